"""``primify convert``: options into settings, a plan and a task; the batch runs in the library."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import api, batch
from ..batch import plan as planning
from ..batch.inputs import expand, read
from ..batch.plan import DEFAULT_NAME, check_extensions, check_template, writable
from ..batch.runners import check_address, run_dask, run_here, run_processes
from ..batch.signals import graceful
from ..batch.work import Task
from ..io.formats import Look
from ..io.picture import load
from ..io.scenefile import loads
from ..settings import Settings
from ..shapes import KINDS, parse_kinds
from .options import (
    DEFAULT_FORMATS,
    DEFAULT_MAX_PIXELS,
    LOOK,
    OUTPUT,
    RUN,
    SHAPES,
    Blur,
    Device,
    Edge,
    Every,
    Format,
    MaxPixels,
    Overwrite,
    Precision,
    Quiet,
    checked,
    usage,
    valid,
)
from .options import output_size as check_output_size
from .show import Show

#: The largest working size: a fit keeps a few dozen float copies of the picture, so 4096 px
#: (16.8 million pixels) is already gigabytes, and more only magnifies a photo's own pixels.
MAX_SIZE = 4096


def _opacity(value: float | None) -> float | None:
    if value is not None and not 0 < value <= 1:
        raise typer.BadParameter(f"{value} is not in (0, 1]")
    return value


def convert(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT...", show_default=False,
                                                help="Image files, folders or glob patterns; - reads one image from standard input.")],
    shapes: Annotated[int, typer.Option("--shapes", "-n", min=1, metavar="N", help="Number of shapes (the most, with --target-psnr).",
                                        rich_help_panel=SHAPES)] = Settings.shapes,
    shape: Annotated[str, typer.Option("--shape", "-s", callback=valid(parse_kinds), metavar="KIND",
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
    name: Annotated[str, typer.Option(metavar="TEMPLATE", callback=valid(check_template), rich_help_panel=OUTPUT,
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
                                                   callback=valid(lambda text: text and Settings.coerce("palette", text)),
                                                   help="Restrict colours: N colours picked from the picture, or the ones listed (#rrggbb, #rgb or CSS names).",
                                                   rich_help_panel=LOOK)] = None,
    background: Annotated[str, typer.Option(callback=valid(lambda text: Settings.coerce("background", text)),
                                            metavar="auto|transparent|COLOUR",
                                            help="Background colour (#rrggbb, #rgb or a CSS name); auto uses the picture's mean colour. transparent fits the picture's alpha too: the PNG keeps an alpha channel, the SVG has no background, a JPEG is laid over white.",
                                            rich_help_panel=LOOK)] = "auto",
    edge: Annotated[Edge, typer.Option(metavar="sigmoid|tanh", help="Soft edge function used while optimizing.", rich_help_panel=LOOK)] = Edge.sigmoid,
    recursive: Annotated[bool, typer.Option("--recursive", "-r", help="Take images from the subfolders of folder inputs too.", rich_help_panel=RUN)] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, metavar="N", help="Convert N images at once, in separate processes.", rich_help_panel=RUN)] = 1,
    dask: Annotated[Optional[str], typer.Option(metavar="ADDRESS", show_default=False, rich_help_panel=RUN,
                                                help="Convert on the Dask cluster whose scheduler is at ADDRESS, tcp://HOST:PORT (pip install 'primify-shapes\\[dask]').")] = None,
    json_lines: Annotated[bool, typer.Option("--json", help="Print one JSON object per image on standard output.", rich_help_panel=RUN)] = False,
    seed: Annotated[int, typer.Option(metavar="N", help="Random seed; the same seed, input, options and device give the same result.", rich_help_panel=RUN)] = 0,
    device: Annotated[Device, typer.Option(metavar="auto|cpu|cuda", help="Where to optimize; auto picks CUDA when torch sees a GPU.", rich_help_panel=RUN)] = Device.auto,
    quiet: Quiet = False,
    max_pixels: MaxPixels = DEFAULT_MAX_PIXELS,
) -> None:
    """Convert pictures into shapes and write a PNG and an SVG of each.

    Shapes are added coarse to fine, each batch placed where the error is largest and refined
    by gradient descent on a soft edge that sharpens into the anti-aliased edge that is written.

    Example: primify convert photos/ --shapes 500 --out-dir shapes/ -j 2 --json
    """
    to_stdout = output == [Path("-")]
    usage(target_psnr is not None and target_psnr <= 0, "--target-psnr",
           f"every picture is above {target_psnr} dB before the first shape; give a target above 0 dB")
    check_output_size(output_size, max_pixels)
    if dask is not None:
        checked(lambda: check_address(dask), "--dask", f"cannot use the Dask scheduler at '{dask}'")
    usage(to_stdout and json_lines, "--json", "standard output can carry the picture or JSON lines, not both")
    usage(overwrite and skip_existing, "--overwrite", "choose one of --overwrite and --skip-existing")
    usage(dask is not None and jobs > 1, "--jobs", "--jobs runs on this machine; with --dask the cluster sets the pace")
    usage(to_stdout and len(formats or []) != 1, "--format", "say which one format to write to standard output, e.g. --format svg")
    usage(bool(output) and not to_stdout and bool(formats), "--format", "with --output, each file's extension picks its format")
    sources = expand(inputs, recursive, skip=out_dir)
    usage(bool(output) and len(sources) > 1, "--output", "--output takes a single input; use --out-dir for several")
    exts = [f.value for f in formats or DEFAULT_FORMATS]
    if not output:
        checked(lambda: check_extensions(name, exts), "--name")
    look = Look(output_size, precision, blur, every)
    plan = checked(lambda: planning.make(sources, output or [], out_dir, name, exts, shape, shapes,
                                        tuple(p for p in (mask, init) if p and str(p) != "-"), look=look,
                                        overwrite=overwrite, skip=skip_existing, frames=frames,
                                        stdout=to_stdout and formats[0].value or None), "--output/--name")
    dev = checked(lambda: api.pick_device(device.value), "--device") if dask is None else None
    settings = checked(lambda: Settings(shapes=shapes, kinds=shape, size=size, alpha=alpha, background=background,
                                       edge=edge.value, palette=palette, target_psnr=target_psnr))
    for folder in {p.parent for item in plan.items for p in item.outputs} | ({frames} if frames else set()):
        usage(not writable(folder), "--output/--out-dir", f"cannot write to folder '{folder}'")
    weights = checked(lambda: load(mask, size, max_pixels).image, "--mask", f"cannot read '{mask}'") if mask else None
    start = checked(lambda: loads(read(init).decode()), "--init", f"cannot read '{init}'") if init else None
    usage(start is not None and len(start.shapes) > shapes, "--init",
           f"'{init}' already has {len(start.shapes) if start else 0} shapes, more than --shapes {shapes}")
    task = Task(index=-1, name="", data=b"", settings=settings, seed=seed, device=device.value if dask else dev.type,
                max_pixels=max_pixels, mask=weights, init=start)
    show = Show([item.source.name for item in plan.items], shapes, quiet, json_lines)
    with graceful() as stop, show:
        def runner(todo):
            if dask:
                return checked(lambda: run_dask(todo, dask, stop), "--dask",
                              f"cannot use the Dask scheduler at '{dask}'")
            return run_processes(todo, jobs, show.progress, stop) if jobs > 1 else run_here(todo, show.progress, stop)
        batch.run(plan, task, runner, show.done)
    if stop():
        raise typer.Exit(130)
    if show.failed:
        raise typer.Exit(1)
