"""The commands' options as typed ``Annotated`` declarations, grouped into help panels; the
commands' signatures name them, and their help texts are what ``--help`` shows."""

import math
import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..checks import EFFORT
from ..io.formats import FORMATS, Look
from ..io.picture import MAX_PIXELS

SHAPES, OUTPUT, LOOK, RUN = "Shapes", "Output", "Look", "Run"


#: --effort takes the library's levels, --device the names of devices (--edge: render.raster.EDGES).
EFFORTS, DEVICES = tuple(EFFORT), ("auto", "cpu", "cuda")
#: --format's words: the extensions -o takes, jpeg being jpg.
FORMAT_NAMES = tuple(f[1:] for f in FORMATS if f != ".jpeg")
DEFAULT_FORMATS = ["png", "svg"]


def as_given(text: str) -> Path:
    """A path option's value where ``-`` is standard input or output: ``./-`` names the file
    called '-', as every Unix tool reads it, though ``Path`` drops its ``./`` (so, absolute)."""
    return Path(os.path.abspath(text)) if text != "-" and Path(text) == Path("-") else Path(text)


def one_of(choices: tuple[str, ...], **same: str):
    """An option callback that takes a word of ``choices`` (or one that ``same`` maps to one) in
    any case, alone or in a list (a repeated option, each value of which may be a comma list, as
    --shape's kinds are), and gives the choice; any other word is a usage error that names the
    choices."""

    def pick(word: str) -> str:
        choice = same.get(word.lower(), word.lower())
        if choice not in choices:
            raise typer.BadParameter(f"{word!r} is not one of {', '.join(choices)}")
        return choice

    def callback(value: str | list[str] | None) -> str | list[str] | None:
        if value is None:
            return None
        # Repeats of one choice, however spelt (jpg and JPEG), are that choice once.
        if not isinstance(value, list):
            return pick(value)
        return list(dict.fromkeys(pick(word.strip()) for words in value for word in words.split(",")))

    return callback


def _finite(value: float) -> float:
    # Checked here, not by min=0: inf passes that, and nan failed it as "Input should be greater
    # than or equal to 0".
    if not math.isfinite(value) or value < 0:
        raise typer.BadParameter(f"{value} is not a number of pixels, 0 or more")
    return value


Blur = Annotated[
    float,
    typer.Option(
        callback=_finite,
        metavar="PX",
        rich_help_panel=OUTPUT,
        help="Gaussian blur, in working-size pixels, in the SVG (a filter) and every raster alike (PNG, JPEG, each "
        "GIF and --frames frame): blurred placeholders; at most the working size.",
    ),
]
#: Decimals of SVG coordinates where --precision is not given: the library's.
PRECISION = Look.precision
Precision = Annotated[
    Optional[int],
    typer.Option(
        min=0,
        max=6,
        metavar="D",
        show_default=str(PRECISION),
        help="Decimals of SVG coordinates, in working-size pixels.",
        rich_help_panel=OUTPUT,
    ),
]
Every = Annotated[
    Optional[int],
    typer.Option(
        min=1,
        metavar="K",
        show_default="about 50 frames",
        rich_help_panel=OUTPUT,
        help="Shapes added per frame of an animation: a GIF, or convert's --frames.",
    ),
]
Overwrite = Annotated[
    bool,
    typer.Option(
        "--overwrite", help="Replace outputs that exist (by default they are refused).", rich_help_panel=OUTPUT
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.", rich_help_panel=RUN)]
MaxPixels = Annotated[
    int,
    typer.Option(
        min=1,
        metavar="N",
        rich_help_panel=RUN,
        help="Refuse inputs (decompression bombs), and PNG, JPEG, GIF and frame outputs, of more pixels than this.",
    ),
]
DEFAULT_MAX_PIXELS = MAX_PIXELS
