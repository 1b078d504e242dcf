"""The ``primify`` command line: a thin layer over the library, the only module that prints."""

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from PIL import UnidentifiedImageError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

from . import api, batch
from .batch import plan as planning
from .batch.inputs import expand, read
from .batch.plan import DEFAULT_NAME, check_extensions, check_outputs, check_template, writable
from .batch.report import describe, record
from .batch.runners import check_address, run_dask, run_here, run_processes
from .batch.signals import graceful
from .batch.work import Result, Task, reason
from .io.formats import FORMATS, Look, encode, place
from .io.picture import MAX_PIXELS, load
from .io.scenefile import loads
from .settings import Settings
from .shapes import KINDS, parse_kinds
from .version import __version__

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="rich", pretty_exceptions_show_locals=False,
                  help="Rebuild pictures from geometric primitives; write PNG and SVG.")
# File names and every other user text are printed as they are, never read as rich markup.
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)

SHAPES, OUTPUT, LOOK, RUN = "Shapes", "Output", "Look", "Run"
#: The largest working size: a fit keeps a few dozen float copies of the picture, so 4096 px
#: (16.8 million pixels) is already gigabytes, and more only magnifies a photo's own pixels.
MAX_SIZE = 4096


class Edge(str, Enum):
    sigmoid = "sigmoid"
    tanh = "tanh"


class Effort(str, Enum):
    fast = "fast"
    default = "default"
    best = "best"


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


Format = Enum("Format", {f[1:]: f[1:] for f in FORMATS if f != ".jpeg"}, type=str)
DEFAULT_FORMATS = [Format.png, Format.svg]


Blur = Annotated[float, typer.Option(min=0, metavar="PX", rich_help_panel=OUTPUT,
                                     help="Gaussian blur, in working-size pixels, in the SVG (a filter) and the PNG alike: blurred placeholders.")]
Precision = Annotated[int, typer.Option(min=0, max=6, metavar="D", help="Decimals of SVG coordinates, in working-size pixels.", rich_help_panel=OUTPUT)]
Every = Annotated[Optional[int], typer.Option(min=1, metavar="K", show_default="about 50 frames", rich_help_panel=OUTPUT,
                                              help="Shapes added per frame of a GIF or --frames.")]
Overwrite = Annotated[bool, typer.Option("--overwrite", help="Replace outputs that exist (by default they are refused).", rich_help_panel=OUTPUT)]


def _valid(check):
    """An option callback that lets ``check``'s ValueError through as a usage error."""
    def callback(text: str) -> str:
        _check(lambda: check(text))
        return text
    return callback


def _opacity(value: float | None) -> float | None:
    if value is not None and not 0 < value <= 1:
        raise typer.BadParameter(f"{value} is not in (0, 1]")
    return value


def _usage(bad: bool, param: str, message: str) -> None:
    if bad:
        raise typer.BadParameter(message, param_hint=param)


def _check(make, param: str | None = None, prefix: str | None = None):
    """``make()``, with a ValueError or reading error turned into a usage error (exit 2)."""
    try:
        return make()
    except (OSError, UnidentifiedImageError, ValueError) as e:
        raise typer.BadParameter(f"{prefix}: {reason(e)}" if prefix else str(e), param_hint=param) from None


def _version(value: bool) -> None:
    if value:
        print(f"primify {__version__}")
        raise typer.Exit()


def _error(message: str) -> None:
    err.print(Text.assemble(("error:", "red"), " ", message))


def _output_size(size: int | None, max_pixels: int) -> None:
    _usage(size is not None and size * size > max_pixels, "--output-size",
           f"{size}×{size} pixels is over --max-pixels {max_pixels:,}; give a smaller size or raise --max-pixels")


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print primify's version and exit.")] = False) -> None:
    """Rebuild pictures from geometric primitives; write PNG and SVG."""


@app.command()
def convert(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT...", show_default=False,
                                                help="Image files, folders or glob patterns; - reads one image from standard input.")],
    shapes: Annotated[int, typer.Option("--shapes", "-n", min=1, metavar="N", help="Number of shapes (the most, with --target-psnr).",
                                        rich_help_panel=SHAPES)] = Settings.shapes,
    shape: Annotated[str, typer.Option("--shape", "-s", callback=_valid(parse_kinds), metavar="KIND",
                                       help=f"Shape kind: {', '.join(KINDS)}; a comma list such as triangle,circle mixes kinds, and 'all' allows every kind.",
                                       rich_help_panel=SHAPES)] = "triangle",
    alpha: Annotated[Optional[float], typer.Option(callback=_opacity, metavar="A", show_default="learned per shape",
                                                   help="Fixed opacity of every shape, in (0, 1].", rich_help_panel=SHAPES)] = None,
    target_psnr: Annotated[Optional[float], typer.Option(metavar="DB", show_default=False, rich_help_panel=SHAPES,
                                                         help="Stop adding shapes once the PSNR at the working size reaches DB.")] = None,
    init: Annotated[Optional[Path], typer.Option(metavar="SCENE.json", show_default=False, rich_help_panel=SHAPES,
                                                 help="Start from the shapes of a scene written with -o x.json, and add to them.")] = None,
    output: Annotated[Optional[list[Path]], typer.Option("--output", "-o", metavar="PATH", show_default=False, rich_help_panel=OUTPUT,
                                                         help="Output file, repeatable, for a single input; the extension picks the format "
                                                              "(.png .jpg .svg .json .gif). - writes to standard output in the --format given.")] = None,
    out_dir: Annotated[Path, typer.Option(metavar="DIR", rich_help_panel=OUTPUT,
                                          help="Folder for outputs when no --output is given; a folder input's subfolders are kept.")] = Path("."),
    name: Annotated[str, typer.Option(metavar="TEMPLATE", callback=_valid(check_template), rich_help_panel=OUTPUT,
                                      help="Output file names, from {stem}, {shape}, {shapes} and {ext}.")] = DEFAULT_NAME,
    formats: Annotated[Optional[list[Format]], typer.Option("--format", metavar="FMT", show_default="png and svg", rich_help_panel=OUTPUT,
                                                            help="Output format when no --output is given (repeatable): png, jpg, svg, json or gif.")] = None,
    overwrite: Overwrite = False,
    skip_existing: Annotated[bool, typer.Option("--skip-existing", help="Skip inputs whose outputs all exist.", rich_help_panel=OUTPUT)] = False,
    blur: Blur = 0,
    precision: Precision = 2,
    output_size: Annotated[Optional[int], typer.Option(min=1, metavar="PX", show_default="the input's longer side", rich_help_panel=OUTPUT,
                                                       help="Longer side, in pixels, of written PNG/JPEG files (GIFs and frames: the working size).")] = None,
    frames: Annotated[Optional[Path], typer.Option(metavar="DIR", show_default=False, rich_help_panel=OUTPUT,
                                                   help="Also write numbered PNG frames of the shapes being added, <stem>.0001.png..., to DIR.")] = None,
    every: Every = None,
    size: Annotated[int, typer.Option(min=8, max=MAX_SIZE, metavar="PX", help="Working resolution: the longer side, in pixels, that shapes are fitted at. Larger is slower and finer.",
                                      rich_help_panel=LOOK)] = Settings.size,
    mask: Annotated[Optional[Path], typer.Option(metavar="PATH", show_default=False,
                                                 help="Grayscale picture weighting where detail goes: white counts, black hardly does.",
                                                 rich_help_panel=LOOK)] = None,
    palette: Annotated[Optional[str], typer.Option(metavar="N|COLOUR,...", show_default=False,
                                                   callback=_valid(lambda text: text and Settings.coerce("palette", text)),
                                                   help="Restrict colours: N colours picked from the picture, or the ones listed (#rrggbb, #rgb or CSS names).",
                                                   rich_help_panel=LOOK)] = None,
    background: Annotated[str, typer.Option(callback=_valid(lambda text: Settings.coerce("background", text)),
                                            metavar="auto|transparent|COLOUR",
                                            help="Background colour (#rrggbb, #rgb or a CSS name); auto uses the picture's mean colour. transparent fits the picture's alpha too: the PNG keeps an alpha channel, the SVG has no background, a JPEG is laid over white.",
                                            rich_help_panel=LOOK)] = "auto",
    edge: Annotated[Edge, typer.Option(metavar="sigmoid|tanh", help="Soft edge function used while optimizing.", rich_help_panel=LOOK)] = Edge.sigmoid,
    effort: Annotated[Effort, typer.Option(metavar="fast|default|best", rich_help_panel=LOOK,
                                           help="How long to search: fast takes about half the time, best about three times.")] = Effort.default,
    recursive: Annotated[bool, typer.Option("--recursive", "-r", help="Take images from the subfolders of folder inputs too.", rich_help_panel=RUN)] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, metavar="N", help="Convert N images at once, in separate processes.", rich_help_panel=RUN)] = 1,
    dask: Annotated[Optional[str], typer.Option(metavar="ADDRESS", show_default=False, rich_help_panel=RUN,
                                                help="Convert on the Dask cluster whose scheduler is at ADDRESS, tcp://HOST:PORT (pip install 'primify-shapes\\[dask]').")] = None,
    json_lines: Annotated[bool, typer.Option("--json", help="Print one JSON object per image on standard output.", rich_help_panel=RUN)] = False,
    seed: Annotated[int, typer.Option(metavar="N", help="Random seed; the same seed, input, options and device give the same result.", rich_help_panel=RUN)] = 0,
    device: Annotated[Device, typer.Option(metavar="auto|cpu|cuda", help="Where to optimize; auto picks CUDA when torch sees a GPU.", rich_help_panel=RUN)] = Device.auto,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.", rich_help_panel=RUN)] = False,
    max_pixels: Annotated[int, typer.Option(min=1, metavar="N", help="Refuse inputs larger than this many pixels before decoding them (decompression bombs).",
                                            rich_help_panel=RUN)] = MAX_PIXELS,
) -> None:
    """Convert pictures into shapes and write a PNG and an SVG of each.

    Shapes are added coarse to fine, each batch placed where the error is largest and refined
    by gradient descent on a soft edge that sharpens into the anti-aliased edge that is written.

    Example: primify convert photos/ --shapes 500 --out-dir shapes/ -j 2 --json
    """
    to_stdout = output == [Path("-")]
    _usage(target_psnr is not None and target_psnr <= 0, "--target-psnr",
           f"every picture is above {target_psnr} dB before the first shape; give a target above 0 dB")
    _output_size(output_size, max_pixels)
    if dask is not None:
        _check(lambda: check_address(dask), "--dask", f"cannot use the Dask scheduler at '{dask}'")
    _usage(to_stdout and json_lines, "--json", "standard output can carry the picture or JSON lines, not both")
    _usage(overwrite and skip_existing, "--overwrite", "choose one of --overwrite and --skip-existing")
    _usage(dask is not None and jobs > 1, "--jobs", "--jobs runs on this machine; with --dask the cluster sets the pace")
    _usage(to_stdout and len(formats or []) != 1, "--format", "say which one format to write to standard output, e.g. --format svg")
    _usage(bool(output) and not to_stdout and bool(formats), "--format", "with --output, each file's extension picks its format")
    sources = expand(inputs, recursive, skip=out_dir)
    _usage(bool(output) and len(sources) > 1, "--output", "--output takes a single input; use --out-dir for several")
    exts = [f.value for f in formats or DEFAULT_FORMATS]
    if not output:
        _check(lambda: check_extensions(name, exts), "--name")
    look = Look(output_size, precision, blur, every)
    plan = _check(lambda: planning.make(sources, output or [], out_dir, name, exts, shape, shapes,
                                        tuple(p for p in (mask, init) if p and str(p) != "-"), look=look,
                                        overwrite=overwrite, skip=skip_existing, frames=frames,
                                        stdout=to_stdout and formats[0].value or None), "--output/--name")
    dev = _check(lambda: api.pick_device(device.value), "--device") if dask is None else None
    settings = _check(lambda: Settings(shapes=shapes, kinds=shape, size=size, alpha=alpha, background=background,
                                       edge=edge.value, palette=palette, target_psnr=target_psnr, effort=effort.value))
    for folder in {p.parent for item in plan.items for p in item.outputs} | ({frames} if frames else set()):
        _usage(not writable(folder), "--output/--out-dir", f"cannot write to folder '{folder}'")
    weights = _check(lambda: load(mask, size, max_pixels).image, "--mask", f"cannot read '{mask}'") if mask else None
    start = _check(lambda: loads(read(init).decode()), "--init", f"cannot read '{init}'") if init else None
    _usage(start is not None and len(start.shapes) > shapes, "--init",
           f"'{init}' already has {len(start.shapes) if start else 0} shapes, more than --shapes {shapes}")
    task = Task(index=-1, name="", data=b"", settings=settings, seed=seed, device=device.value if dask else dev.type,
                max_pixels=max_pixels, mask=weights, init=start)
    show = Show([item.source.name for item in plan.items], shapes, quiet, json_lines)
    with graceful() as stop, show:
        def runner(todo):
            if dask:
                return _check(lambda: run_dask(todo, dask, stop), "--dask",
                              f"cannot use the Dask scheduler at '{dask}'")
            return run_processes(todo, jobs, show.progress, stop) if jobs > 1 else run_here(todo, show.progress, stop)
        batch.run(plan, task, runner, show.done)
    if stop():
        raise typer.Exit(130)
    if show.failed:
        raise typer.Exit(1)


@app.command()
def render(
    scene: Annotated[Path, typer.Argument(metavar="SCENE.json", show_default=False, help="A scene written by convert -o x.json; - reads standard input.")],
    output: Annotated[list[Path], typer.Option("--output", "-o", metavar="PATH", show_default=False,
                                               help="Output file, repeatable: .png .jpg .svg .json .gif; - writes to standard output in the --format given.")],
    output_size: Annotated[Optional[int], typer.Option(min=1, metavar="PX", show_default="the scene's working size", rich_help_panel=OUTPUT,
                                                       help="Longer side, in pixels, of PNG/JPEG/GIF files.")] = None,
    formats: Annotated[Optional[Format], typer.Option("--format", metavar="FMT", show_default=False, rich_help_panel=OUTPUT,
                                                      help="Format written to standard output.")] = None,
    blur: Blur = 0,
    precision: Precision = 2,
    every: Every = None,
    overwrite: Overwrite = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.")] = False,
    max_pixels: Annotated[int, typer.Option(min=1, metavar="N", help="Refuse renders larger than this many pixels.")] = MAX_PIXELS,
) -> None:
    """Render a scene again, at any size and in any format, without optimizing.

    Example: primify render photo.json -o big.png --output-size 4096 -o photo.svg
    """
    to_stdout = output == [Path("-")]
    _usage(to_stdout and formats is None, "--format", "say which format to write to standard output, e.g. --format png")
    _output_size(output_size, max_pixels)
    _check(lambda: check_outputs([(p, str(scene)) for p in output if not to_stdout], [scene]), "--output")
    for path in [] if to_stdout else output:
        _usage(path.exists() and not overwrite, "--output", f"'{path}' exists; pass --overwrite to replace it")
        _usage(not writable(path.parent), "--output", f"cannot write to folder '{path.parent}'")
    try:
        picture = loads(read(scene).decode())
    except (OSError, UnicodeDecodeError, ValueError) as e:
        _error(f"cannot read '{scene}': {reason(e)}")
        raise typer.Exit(1) from None
    look = Look(output_size, precision, blur, every)
    _usage(picture.width * picture.height > max_pixels and not output_size, "--output-size",
           f"the scene's {picture.width}×{picture.height} pixels are over --max-pixels {max_pixels:,}; "
           "give --output-size")
    if to_stdout:
        sys.stdout.buffer.write(encode(picture, FORMATS["." + formats.value], look))
    files = [] if to_stdout else [(p, encode(picture, FORMATS[p.suffix.lower()], look)) for p in output]
    try:
        place(files, lambda path: overwrite)
    except OSError as e:
        _error(f"cannot write '{e.filename or output[0]}': {reason(e)}")
        raise typer.Exit(1) from None
    if not quiet:
        err.print(f"{scene}: {len(picture.shapes)} shapes -> {'standard output' if to_stdout else ', '.join(map(str, output))}")


class Show:
    """What the user sees: errors, one summary line per image and progress on stderr (bars on a
    terminal, a plain line per quarter otherwise), and ``--json`` lines on stdout."""

    def __init__(self, names: list[str], asked: int, quiet: bool, json_lines: bool):
        self.names, self.asked, self.quiet, self.json = names, asked, quiet, json_lines
        self.failed = 0
        self.bars = None if quiet or not err.is_terminal else Progress(
            TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[psnr]}"),
            TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True, redirect_stdout=False, redirect_stderr=False)
        self.running, self.quarter = {}, {}

    def __enter__(self):
        if self.bars:
            self.bars.start()
            self.overall = self.bars.add_task("all images", total=len(self.names), psnr="") if len(self.names) > 1 else None
        return self

    def __exit__(self, *exc):
        if self.bars:
            self.bars.stop()

    def _name(self, index: int) -> str:
        return self.names[index] if len(self.names) == 1 else f"[{index + 1}/{len(self.names)}] {self.names[index]}"

    def progress(self, index: int, p) -> None:
        if self.bars:
            if index not in self.running:
                self.running[index] = self.bars.add_task(self._name(index), total=p.total, psnr="")
            self.bars.update(self.running[index], completed=p.placed, psnr=f"{p.psnr:.2f} dB")
        elif not self.quiet and 4 * p.placed // p.total > self.quarter.get(index, 0) and p.placed < p.total:
            self.quarter[index] = 4 * p.placed // p.total
            err.print(f"{self._name(index)}: {p.placed}/{p.total} shapes, {p.psnr:.2f} dB")

    def done(self, result: Result, outputs: tuple[Path, ...]) -> None:
        if self.bars:
            if result.index in self.running:
                self.bars.remove_task(self.running.pop(result.index))
            if self.overall is not None:
                self.bars.advance(self.overall)
        if self.json:
            sys.stdout.write(json.dumps(record(result, outputs)) + "\n")
            sys.stdout.flush()
        if result.error:
            self.failed += 1
            _error(result.error)
        elif result.stopped or not self.quiet:
            for line in describe(result, self._name(result.index), self.asked, outputs):
                err.print(line)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted: nothing more written")
        raise SystemExit(130) from None
