"""``primify render``: a scene file drawn again, at any size and in any format."""

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..batch.folders import tidy, unwritable
from ..batch.plan import check_outputs, unique
from ..batch.reading import named, read_scene, shown
from ..io.files import place
from ..io.formats import FORMATS, RASTERS, Look, encode, over_limit, to_stdout
from ..io.reasons import reason
from ..io.scenefile import loads
from ..model import shapes_word
from .checks import ALONE, BY_EXTENSION, check_drawn, check_every, check_precision, checked, not_to_terminal, usage
from .checks import blur as check_blur
from .options import (
    DEFAULT_MAX_PIXELS,
    FORMAT_NAMES,
    OUTPUT,
    Blur,
    Every,
    MaxPixels,
    Overwrite,
    Precision,
    Quiet,
    as_given,
    one_of,
)
from .show import err, error, one_line


def render(
    scene: Annotated[
        Path,
        typer.Argument(
            parser=as_given,
            metavar="SCENE.json",
            show_default=False,
            help="A scene written by convert -o x.json; - reads standard input.",
        ),
    ],
    output: Annotated[
        list[Path],
        typer.Option(
            "--output",
            "-o",
            parser=as_given,
            metavar="PATH",
            show_default=False,
            help="Output file, repeatable: .png .jpg .svg .uri .json .gif; - writes to standard output in the "
            "--format given.",
        ),
    ],
    output_size: Annotated[
        Optional[int],
        typer.Option(
            min=1,
            metavar="PX",
            show_default="the scene's working size",
            rich_help_panel=OUTPUT,
            help="Longer side, in pixels, of the written PNG, JPEG and GIF, and of the SVG's page.",
        ),
    ] = None,
    formats: Annotated[
        Optional[list[str]],
        typer.Option(
            "--format",
            metavar="FMT",
            callback=one_of(FORMAT_NAMES, jpeg="jpg"),
            show_default=False,
            rich_help_panel=OUTPUT,
            help="Format written to standard output: png, jpg, svg, uri, json or gif.",
        ),
    ] = None,
    blur: Blur = 0,
    precision: Precision = None,
    every: Every = None,
    overwrite: Overwrite = False,
    quiet: Quiet = False,
    max_pixels: MaxPixels = DEFAULT_MAX_PIXELS,
) -> None:
    """Render a scene again, at any size and in any format, without optimizing.

    Example: primify render photo.json -o big.png --output-size 4096 -o photo.svg
    """
    output = unique(output)
    piped = output == [Path("-")]
    usage(Path("-") in output and not piped, "--output", ALONE)
    usage(not piped and formats is not None, "--format", BY_EXTENSION)
    usage(piped and formats is None, "--format", "say which format to write to standard output, e.g. --format png")
    usage(len(formats or []) > 1, "--format", "say which one format to write to standard output, e.g. --format svg")
    if piped:
        not_to_terminal(formats[0])
    suffixes = [f".{formats[0]}"] if piped else [p.suffix.lower() for p in output]
    check_every(every, suffixes)
    check_drawn(output_size, blur, suffixes)
    precision = check_precision(precision, suffixes)
    checked(lambda: check_outputs([(p, str(scene)) for p in output if not piped], [scene]), "--output")
    for path in [] if piped else output:
        # Exit 1, as convert's refusals of these: not a misuse of the options. A link that leads
        # nowhere is there all the same: writing the output replaces it.
        if os.path.isdir(path):
            refused = f"cannot write '{path}': it is a folder"
        elif os.path.lexists(path) and not overwrite:
            refused = f"'{path}' exists; pass --overwrite to replace it"
        else:
            continue
        error(refused)
        raise typer.Exit(1)
    try:
        picture = loads(read_scene(named(scene)))
    except (OSError, ValueError) as e:
        error(f"cannot read '{shown(named(scene))}': {reason(e)}")
        raise typer.Exit(1) from None
    check_blur(blur, max(picture.width, picture.height), "the scene")
    look = Look(output_size, precision, blur, every)
    # Only rasters are drawn in pixels: an SVG of any size is only a number in its header.
    if any(FORMATS.get(s) in RASTERS for s in suffixes):
        why = over_limit(*picture.size_for(output_size), max_pixels, "the scene")
        usage(why is not None, "--output-size" if output_size else "--max-pixels", why)
    # Last of the checks, as it makes the folders; those it made are taken away again where
    # nothing was written into them.
    made: list[Path] = []
    try:
        for path in [] if piped else output:
            why = unwritable(path.parent, made)
            usage(why is not None, "--output", f"cannot write to folder '{path.parent}': {why}")
        if piped:
            to_stdout(encode(picture, FORMATS["." + formats[0]], look))
        else:
            place([(p, encode(picture, FORMATS[p.suffix.lower()], look)) for p in output], lambda path: overwrite)
    except (OSError, ValueError, MemoryError, RuntimeError) as e:  # torch's own out of memory is a RuntimeError
        where = "to standard output" if piped else f"'{getattr(e, 'filename', None) or output[0]}'"
        error(f"cannot write {where}: {reason(e)}")
        raise typer.Exit(1) from None
    finally:
        tidy(made)
    if not quiet:
        where = "standard output" if piped else ", ".join(map(str, output))
        n = len(picture.shapes)
        err.print(one_line(f"{shown(named(scene))}: {n} {shapes_word(n)} -> {where}"))
