"""``primify convert``: options into settings, a plan and a task; the batch runs in the library."""

from pathlib import Path

import typer

from .. import api, batch
from ..arguments import KEPT, contradicted
from ..batch import plan as planning
from ..batch.cluster import check_address, run_dask
from ..batch.folders import tidy, unwritable, with_folders
from ..batch.inputs import expand
from ..batch.names import DEFAULT_NAME, check_extensions, own_outputs
from ..batch.reading import byte_limit, named, read, read_scene, shown
from ..batch.runners import run_here, run_processes
from ..batch.signals import graceful
from ..batch.work import Task
from ..io.formats import Look
from ..io.picture import load
from ..io.scenefile import loads
from ..settings import Settings
from . import INTERRUPTED, STOPPING, options
from . import convert_options as o
from .checks import (
    ALONE,
    BY_EXTENSION,
    check_drawn,
    check_every,
    check_folders,
    check_precision,
    check_target,
    checked,
    kinds,
    not_to_terminal,
    one_stdin,
    usage,
)
from .checks import blur as check_blur
from .show import Show, err, error


def convert(
    inputs: o.Inputs,
    shapes: o.ShapesOption = Settings.shapes,
    shape: o.ShapeOption = None,
    alpha: o.AlphaOption = None,
    target_psnr: o.TargetPsnrOption = None,
    init: o.InitOption = None,
    output: o.OutputOption = None,
    out_dir: o.OutDirOption = None,
    name: o.NameOption = None,
    formats: o.FormatsOption = None,
    overwrite: options.Overwrite = False,
    skip_existing: o.SkipExistingOption = False,
    blur: options.Blur = 0,
    precision: options.Precision = None,
    output_size: o.OutputSizeOption = None,
    frames: o.FramesOption = None,
    every: options.Every = None,
    size: o.SizeOption = Settings.size,
    mask: o.MaskOption = None,
    palette: o.PaletteOption = None,
    background: o.BackgroundOption = "auto",
    edge: o.EdgeOption = "sigmoid",
    effort: o.EffortOption = "default",
    recursive: o.RecursiveOption = False,
    jobs: o.JobsOption = 1,
    dask: o.DaskOption = None,
    json_lines: o.JsonLinesOption = False,
    seed: o.SeedOption = 0,
    device: o.DeviceOption = "auto",
    quiet: options.Quiet = False,
    max_pixels: options.MaxPixels = options.DEFAULT_MAX_PIXELS,
) -> None:
    """Convert pictures into shapes and write a PNG and an SVG of each.

    Shapes are added coarse to fine, each batch placed where the error is largest.

    Each batch is refined by gradient descent on a soft edge that sharpens into the edge written.

    Example: primify convert photos/ --shapes 500 --out-dir shapes/ -j 2 --json
    """
    shape = kinds(shape)
    # -o - given twice is standard output once, as render takes it.
    to_stdout = bool(output) and set(output) == {Path("-")}
    usage(Path("-") in (output or []) and not to_stdout, "--output", ALONE)
    check_target(target_psnr)
    check_blur(blur, size, "the working size (--size)")
    if dask is not None:
        checked(lambda: check_address(dask), "--dask", f"cannot use the Dask scheduler at '{dask}'")
    usage(to_stdout and json_lines, "--json", "standard output can carry the picture or JSON lines, not both")
    usage(overwrite and skip_existing, "--overwrite", "choose one of --overwrite and --skip-existing")
    usage(dask is not None and jobs > 1, "--jobs", "--jobs runs on this machine; with --dask the cluster sets the pace")
    usage(
        to_stdout and len(formats or []) != 1,
        "--format",
        "say which one format to write to standard output, e.g. --format svg",
    )
    if to_stdout:
        not_to_terminal(formats[0])
    # `-o shapes/` means a folder; read as a file it has no format, and the error would not say why.
    bare = next((p for p in output or [] if not p.suffix and p != Path("-")), None)
    usage(
        bare is not None,
        "--output",
        f"--output names a file, and '{bare}' has no extension to pick its format; --out-dir names a folder",
    )
    usage(
        bool(output) and not to_stdout and bool(formats),
        "--format",
        BY_EXTENSION,
    )
    # Writing -o's file somewhere else than it says, or not where --out-dir says, would surprise.
    usage(
        bool(output) and out_dir is not None,
        "--out-dir",
        "--output names the file itself; give --output or --out-dir, not both",
    )
    usage(bool(output) and name is not None, "--name", "--output names the file itself; --name is for --out-dir")
    check_folders(out_dir=out_dir, frames=frames)
    name = DEFAULT_NAME if name is None else name
    # Without --out-dir the outputs go to the current folder, which no option names.
    out_dir_option = "--out-dir" if out_dir is not None else None
    out_dir = out_dir or Path(".")
    exts = formats or options.DEFAULT_FORMATS
    written = [p.suffix.lower() for p in output or []] if output and not to_stdout else [f".{e}" for e in exts]
    check_every(every, written, frames is not None)
    check_drawn(output_size, blur, written, frames is not None)
    precision = check_precision(precision, written)
    if not output:
        checked(lambda: check_extensions(name, exts), "--name")
    sources = expand(inputs, recursive, own_outputs(name, exts, shape, shapes))
    look = Look(output_size, precision, blur, every, f"seed {seed}")
    plan = checked(
        lambda: planning.make(
            sources,
            output or [],
            out_dir,
            name,
            exts,
            shape,
            shapes,
            tuple(p for p in map(named, (mask, init)) if p),
            look=look,
            overwrite=overwrite,
            skip=skip_existing,
            frames=frames,
            stdout=to_stdout and formats[0] or None,
        ),
        "--output/--name" + ("/--frames" if frames else ""),
    )
    # Counted once the plan has left out primify's own outputs: `a*` names a.jpg and its outputs.
    converted = sum(not item.left_out for item in plan.items)
    usage(bool(output) and converted > 1, "--output", "--output takes a single input; use --out-dir for several")
    dev = checked(lambda: api.pick_device(device), "--device") if dask is None else None
    settings = checked(
        lambda: Settings(
            shapes=shapes,
            kinds=shape,
            size=size,
            alpha=alpha,
            background=background,
            edge=edge,
            palette=palette,
            target_psnr=target_psnr,
            effort=effort,
        )
    )
    one_stdin(inputs, init, mask)
    # Decoded whole, not at the working size: a mask of other proportions is named by its size.
    mask_of = lambda: load(read(named(mask), byte_limit(max_pixels)), None, max_pixels).image
    weights = checked(mask_of, "--mask", f"cannot read '{shown(named(mask))}'") if mask else None
    said = f"cannot read '{shown(named(init))}'"
    start = checked(lambda: loads(read_scene(named(init))), "--init", said) if init else None
    # The starting scene's shapes and background are kept as they are: another background,
    # opacity or palette would be silently ignored. The same, as a command given again with
    # --init names them, is fine.
    kept = start and contradicted(start, settings)
    usage(bool(kept), f"--{kept}", f"'{init}' has {KEPT.get(kept)}, which --init keeps; leave --{kept} out")
    usage(
        start is not None and len(start.shapes) > shapes,
        "--init",
        f"'{init}' already has {len(start.shapes) if start else 0} shapes, more than --shapes {shapes}",
    )
    # Last of the checks, as they make the folders: a command refused leaves none behind. Where
    # the output or frames folder itself cannot be, nothing can be written; where one of its
    # subfolders cannot, only the inputs that write there fail.
    going = [plan.verdict(item) is None for item in plan.items]
    made: list[Path] = []
    try:
        roots = {
            "--output": {p.parent for p in output or [] if str(p) != "-"},
            "--frames": {frames} if frames else set(),
            out_dir_option: set() if output else {out_dir},
        }
        for option, folders in roots.items():
            for folder in folders if any(going) else ():
                why = unwritable(folder, made)
                if why is not None and option is None:
                    # Not a wrong value of an option: where the command runs cannot be written to.
                    error(f"cannot write to the current folder: {why}; --out-dir writes elsewhere")
                    raise typer.Exit(2)
                usage(why is not None, option, f"cannot write to folder '{folder}': {why}")
        plan = with_folders(plan, going, made)
        task = Task(
            index=-1,
            name="",
            data=b"",
            settings=settings,
            seed=seed,
            device=device if dask else dev.type,
            max_pixels=max_pixels,
            mask=weights,
            init=start,
            fork=not dask,
        )
        show = Show([item.source.name for item in plan.items], shapes, quiet, json_lines, look)
        try:
            with graceful(lambda: err.print(STOPPING)) as stop, show:

                def runner(todo):
                    if dask:
                        return checked(
                            lambda: run_dask(todo, dask, stop), "--dask", f"cannot use the Dask scheduler at '{dask}'"
                        )
                    progress = show.progress if show.listens else None
                    return run_processes(todo, jobs, progress, stop) if jobs > 1 else run_here(todo, progress, stop)

                batch.run(plan, task, runner, show.done)
        except KeyboardInterrupt:
            # A second Ctrl-C: the lines above say what was written; typer would end in silence.
            err.print(INTERRUPTED)
            raise typer.Exit(130) from None
    finally:
        # Folders made for pictures that were refused or failed are not left behind empty.
        tidy(made)
    if stop():
        raise typer.Exit(130)
    if show.failed:
        show.failures()
        raise typer.Exit(1)
