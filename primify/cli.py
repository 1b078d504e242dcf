"""The ``primify`` command line: a thin layer over ``primify.convert``."""

import os
import time
import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import torch
import typer
from PIL import UnidentifiedImageError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from . import api
from .imageio import MAX_PIXELS, load, working
from .output import check_output, default_outputs, write
from .palette import parse as parse_palette
from .settings import Settings
from .signals import graceful
from .shapes import KINDS, parse_kinds

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="rich", pretty_exceptions_show_locals=False,
                  help="Rebuild pictures from geometric primitives; write PNG and SVG.")
err = Console(stderr=True)

SHAPES, OUTPUT, LOOK, RUN = "Shapes", "Output", "Look", "Run"


class Edge(str, Enum):
    sigmoid = "sigmoid"
    tanh = "tanh"


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


def _kinds(text: str) -> str:
    try:
        parse_kinds(text)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    return text


def _colour(text: str) -> str:
    if text in ("auto", "transparent") or (len(text) == 7 and text[0] == "#" and all(c in "0123456789abcdefABCDEF" for c in text[1:])):
        return text
    raise typer.BadParameter(f"'{text}' is not a colour; use auto, transparent or #rrggbb, e.g. #1e90ff")


def _opacity(value: float | None) -> float | None:
    if value is not None and not 0 < value <= 1:
        raise typer.BadParameter(f"{value} is not in (0, 1]")
    return value


def _rgb(text: str) -> tuple[float, float, float] | str | None:
    if text in ("auto", "transparent"):
        return None if text == "auto" else text
    return tuple(int(text[i:i + 2], 16) / 255 for i in (1, 3, 5))


@app.callback()
def _root() -> None:
    """Rebuild pictures from geometric primitives; write PNG and SVG."""


@app.command()
def convert(
    inputs: Annotated[list[Path], typer.Argument(metavar="INPUT", help="Image files to convert.", show_default=False)],
    shapes: Annotated[int, typer.Option("--shapes", "-n", min=1, metavar="N", help="Number of shapes.", rich_help_panel=SHAPES)] = Settings.shapes,
    shape: Annotated[str, typer.Option("--shape", "-s", callback=_kinds, metavar="KIND",
                                       help=f"Shape kind: {', '.join(KINDS)}; a comma list such as triangle,circle mixes kinds, and 'all' allows every kind.",
                                       rich_help_panel=SHAPES)] = "triangle",
    alpha: Annotated[Optional[float], typer.Option(callback=_opacity, metavar="A", show_default="learned per shape",
                                                   help="Fixed opacity of every shape, in (0, 1].", rich_help_panel=SHAPES)] = None,
    output: Annotated[Optional[list[Path]], typer.Option("--output", "-o", metavar="PATH", show_default=False,
                                                         help="Output file; repeatable. The extension picks the format: .png, .jpg or .svg. Needs a single INPUT.",
                                                         rich_help_panel=OUTPUT)] = None,
    out_dir: Annotated[Path, typer.Option(metavar="DIR", help="Folder for <stem>.primify.png and <stem>.primify.svg when no --output is given.",
                                          rich_help_panel=OUTPUT)] = Path("."),
    blur: Annotated[float, typer.Option(min=0, metavar="PX", help="Gaussian blur, in working-size pixels, in the SVG (a filter) and the PNG alike: blurred placeholders.",
                                        rich_help_panel=OUTPUT)] = 0,
    precision: Annotated[int, typer.Option(min=0, max=6, metavar="D", help="Decimals of SVG coordinates, in working-size pixels.",
                                           rich_help_panel=OUTPUT)] = 2,
    output_size: Annotated[Optional[int], typer.Option(min=1, metavar="PX", show_default="the input's longer side",
                                                       help="Longer side, in pixels, of written PNG/JPEG files.", rich_help_panel=OUTPUT)] = None,
    size: Annotated[int, typer.Option(min=8, metavar="PX", help="Working resolution: the longer side, in pixels, that shapes are fitted at. Larger is slower and finer.",
                                      rich_help_panel=LOOK)] = Settings.size,
    mask: Annotated[Optional[Path], typer.Option(metavar="PATH", show_default=False,
                                                 help="Grayscale picture weighting where detail goes: white counts, black hardly does.",
                                                 rich_help_panel=LOOK)] = None,
    palette: Annotated[Optional[str], typer.Option(metavar="N|#rrggbb,...", show_default=False,
                                                   help="Restrict colours: N colours picked from the picture, or the ones listed.",
                                                   rich_help_panel=LOOK)] = None,
    background: Annotated[str, typer.Option(callback=_colour, metavar="auto|transparent|#rrggbb",
                                            help="Background colour; auto uses the picture's mean colour. transparent fits the picture's alpha too: the PNG keeps an alpha channel, the SVG has no background, a JPEG is laid over white.",
                                            rich_help_panel=LOOK)] = "auto",
    edge: Annotated[Edge, typer.Option(metavar="sigmoid|tanh", help="Soft edge function used while optimizing.", rich_help_panel=LOOK)] = Edge.sigmoid,
    seed: Annotated[int, typer.Option(metavar="N", help="Random seed; the same seed, input, options and device give the same result.", rich_help_panel=RUN)] = 0,
    device: Annotated[Device, typer.Option(metavar="auto|cpu|cuda", help="Where to optimize; auto picks CUDA when torch sees a GPU.", rich_help_panel=RUN)] = Device.auto,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.", rich_help_panel=RUN)] = False,
    max_pixels: Annotated[int, typer.Option(min=1, metavar="N", help="Refuse inputs larger than this many pixels before decoding them (decompression bombs).",
                                            rich_help_panel=RUN)] = MAX_PIXELS,
) -> None:
    """Convert pictures into shapes and write a PNG and an SVG of each.

    Shapes are added coarse to fine, each batch placed where the error is largest and refined
    by gradient descent on a soft edge that sharpens into the anti-aliased edge that is written.

    Example: primify convert photo.jpg --shapes 2048 --shape triangle -o photo.png -o photo.svg
    """
    if output and len(inputs) > 1:
        raise typer.BadParameter("--output takes a single INPUT; use --out-dir for several", param_hint="--output")
    for path in output or []:
        try:
            check_output(path, inputs)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--output") from None
    try:
        dev = api.pick_device(device.value)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--device") from None
    try:
        colours = parse_palette(palette) if palette else None
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--palette") from None
    settings = Settings(shapes=shapes, kinds=parse_kinds(shape), size=size, alpha=alpha,
                        background=_rgb(background), edge=edge.value, palette=colours)
    for folder in {p.parent for p in output} if output else {out_dir}:
        if not _writable(folder):
            raise typer.BadParameter(f"cannot write to folder '{folder}'", param_hint="--output/--out-dir")
    try:
        weights = load(mask, size, max_pixels).image if mask else None
    except (OSError, UnidentifiedImageError, ValueError) as e:
        raise typer.BadParameter(f"cannot read '{mask}': {_reason(e)}", param_hint="--mask") from None
    failed = 0
    with graceful() as stop:
        for src in inputs:
            try:
                pic = load(src, size, max_pixels)
            except (OSError, UnidentifiedImageError, ValueError) as e:
                err.print(f"[red]error:[/] cannot read '{src}': {_reason(e)}", highlight=False, soft_wrap=True)
                failed += 1
                continue
            for note in [] if quiet else pic.notes:
                err.print(f"note: {src.name}: {note}", highlight=False, soft_wrap=True)
            started = time.perf_counter()
            with _bar(quiet, src.name, shapes) as report, warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", RuntimeWarning)
                scene = api.convert(pic.image, settings, device=dev, generator=torch.Generator().manual_seed(seed),
                                    progress=report, stop=stop, mask=weights)
            for w in caught:
                err.print(f"warning: {src.name}: {w.message}", highlight=False, soft_wrap=True)
            targets = output or default_outputs(src, out_dir)
            for path in targets:
                write(scene, path, output_size or max(pic.size), precision, blur)
            if stop():
                err.print(f"stopped early by Ctrl-C: {src.name} written with {len(scene.shapes)} of {shapes} shapes "
                          f"-> {', '.join(map(str, targets))}", highlight=False, soft_wrap=True)
                raise typer.Exit(130)
            if not quiet:
                quality = api.psnr_of(scene, working(pic.image, size))
                used = ",".join(k for k in KINDS if any(s.kind == k for s in scene.shapes)) or shape
                err.print(f"{src.name}: {len(scene.shapes)} {used} shapes, {quality:.2f} dB, "
                          f"{time.perf_counter() - started:.1f} s on {dev.type} -> {', '.join(map(str, targets))}",
                          highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def _reason(e: Exception) -> str:
    if isinstance(e, FileNotFoundError):
        return "no such file"
    if isinstance(e, IsADirectoryError):
        return "it is a folder, not a file"
    if isinstance(e, PermissionError):
        return "permission denied"
    if isinstance(e, UnidentifiedImageError):
        return "not an image that Pillow can read"
    return str(e).split("\n")[0]


class _bar:
    """A rich progress bar on stderr fed by the library's progress callback."""

    def __init__(self, quiet: bool, name: str, total: int):
        self.progress = None if quiet else Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[psnr]}"), TimeElapsedColumn(), TimeRemainingColumn(),
            console=err, transient=True, disable=not err.is_terminal)
        self.name, self.total = name, total

    def __enter__(self):
        if self.progress is None:
            return None
        self.progress.start()
        task = self.progress.add_task(self.name, total=self.total, psnr="")
        return lambda p: self.progress.update(task, completed=p.placed, psnr=f"{p.psnr:.2f} dB")

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.stop()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted: nothing more written")
        raise SystemExit(130) from None
