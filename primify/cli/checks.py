"""The library's ValueErrors as usage errors (exit 2): one sentence naming the option."""

import math
import sys
from pathlib import Path

import typer
from PIL import UnidentifiedImageError

from ..io.formats import FORMATS, MAX_SIDE
from ..io.reasons import reason
from ..settings import Settings
from ..shapes import parse_kinds
from .options import PRECISION
from .show import printable

#: Formats that are text, which a terminal shows as it is; the others would fill it with bytes.
TEXT_FORMATS = ("svg", "uri", "json")


def not_to_terminal(fmt: str) -> None:
    """Refuses to write a binary ``fmt`` to standard output where that is a terminal."""
    usage(
        fmt not in TEXT_FORMATS and sys.stdout is not None and sys.stdout.isatty(),
        "--output",
        f"standard output is a terminal; send the {fmt.upper()} to a file or a pipe (... > picture.{fmt})",
    )


def valid(check):
    """An option callback that lets ``check``'s ValueError through as a usage error."""

    def callback(text: str | None) -> str | None:
        if text is not None:
            checked(lambda: check(text))
        return text

    return callback


#: Why --format goes only with standard output (-o -).
BY_EXTENSION = "with --output, each file's extension picks its format"
#: Standard output holds one picture or scene, so it is never one of several outputs.
ALONE = "- (standard output) must be the only --output; write the files with another command"


def one_stdin(inputs: list[str], init, mask) -> None:
    """Refuses standard input (``-``) named more than once among the inputs, ``--init`` and
    ``--mask``: the second to read it would find nothing there."""
    reads = {"INPUT": "-" in inputs, "--init": str(init) == "-", "--mask": str(mask) == "-"}
    readers = [name for name, read in reads.items() if read]
    said = f"standard input is read once, and {' and '.join(readers)} each name it (-); give all but one a file"
    usage(len(readers) > 1, readers[-1] if readers else "", said)
    usage(inputs.count("-") > 1, "INPUT", "standard input (-) is named more than once; it holds one picture")


def usage(bad: bool, param: str, message: str) -> None:
    """A usage error (exit 2) naming ``param`` when ``bad``; names in it show no control characters."""
    if bad:
        raise typer.BadParameter(printable(message), param_hint=param)


def checked(make, param: str | None = None, prefix: str | None = None):
    """``make()``, with a ValueError or reading error turned into a usage error (exit 2)."""
    try:
        return make()
    except (OSError, UnidentifiedImageError, ValueError) as e:
        message = f"{prefix}: {reason(e)}" if prefix else str(e)
        raise typer.BadParameter(printable(message), param_hint=param) from None


def blur(px: float, side: int, what: str) -> None:
    """Refuses a ``--blur`` wider than the picture (``side``, its working size's longer side):
    the blur's kernel, and the time and memory it takes, grow with it, and one that wide leaves
    a flat colour."""
    usage(px > side, "--blur", f"{px:g} px is wider than {what}, {side} px; give at most {side}")


def check_target(psnr: float | None) -> None:
    """Usage errors for a ``--target-psnr`` that no picture could reach, or every picture has."""
    usage(psnr is not None and math.isnan(psnr), "--target-psnr", "nan is not a number of decibels")
    usage(psnr == math.inf, "--target-psnr", "no picture reaches inf dB; leave it out to place every shape")
    usage(
        psnr is not None and psnr <= 0,
        "--target-psnr",
        f"every picture is above {psnr} dB before the first shape; give a target above 0 dB",
    )


def check_folders(**folders: Path | None) -> None:
    """A usage error for a folder option (``out_dir=`` for ``--out-dir``) given ``-``: everywhere
    else ``-`` is a pipe, and a folder of that name would be made without a word."""
    for name, folder in folders.items():
        option = "--" + name.replace("_", "-")
        usage(
            folder == Path("-"), option, f"{option} names a folder, not standard output; write ./- for a folder named -"
        )


def opacity(value: float | None) -> float | None:
    """--alpha's callback: an opacity in (0, 1]."""
    if value is not None and not 0 < value <= 1:
        raise typer.BadParameter(f"{value} is not in (0, 1]")
    return value


def palette(text: str | None) -> None:
    """Raises ValueError for a bad ``--palette``; one without a count or a colour in it in words
    of its own, as the library's message would show it as an empty Python list."""
    if text is not None and not text.replace(",", "").strip():
        raise ValueError("give a number of colours from 1 to 256, or colours such as '#264653,navy'")
    if text:
        Settings.coerce("palette", text)


def check_every(every: int | None, suffixes: list[str], frames: bool | None = None) -> None:
    """A usage error where ``--every`` is given and no GIF (among the outputs' ``suffixes``) or
    frames (None: the command has no ``--frames``) are written, which alone it shapes: it was
    ignored without a word."""
    usage(
        every is not None and ".gif" not in suffixes and not frames,
        "--every",
        "--every sets the shapes a GIF's frame adds, and no GIF is written"
        if frames is None
        else "--every sets the shapes a frame of a GIF or --frames adds, and neither is written",
    )


def check_precision(precision: int | None, suffixes: list[str]) -> int:
    """``--precision``, or its default where not given; a usage error where it is given and no
    SVG (or data URI, an SVG too) is among the outputs' ``suffixes``: it was ignored without a word."""
    usage(
        precision is not None and not {".svg", ".uri"} & set(suffixes),
        "--precision",
        "--precision sets an SVG's decimals, and no SVG is written",
    )
    return PRECISION if precision is None else precision


def check_drawn(output_size: int | None, blur: float, suffixes: list[str], frames: bool = False) -> None:
    """A usage error where ``--output-size`` is longer than a format among the outputs'
    ``suffixes`` holds, or where it or ``--blur`` is given and only scene JSON is written, without
    ``frames``: a scene holds neither, so either was ignored without a word."""
    for fmt in {FORMATS.get(s) for s in suffixes} & MAX_SIDE.keys():
        usage(
            output_size is not None and output_size > MAX_SIDE[fmt],
            "--output-size",
            f"--output-size {output_size}: a {fmt} is at most {MAX_SIDE[fmt]:,} pixels a side",
        )
    if frames or any(s != ".json" for s in suffixes):
        return
    usage(output_size is not None, "--output-size", "--output-size sizes pictures, and only JSON is written")
    usage(bool(blur), "--blur", "--blur blurs pictures, and only JSON is written")


def kinds(values: list[str] | None) -> str:
    """--shape's kinds as one comma list, as ``{shape}`` names them: repeats of the option add
    kinds, as --format's do, rather than the last one winning without a word; kinds are read in
    any case, and each is named once."""
    text = ",".join(values or ["triangle"])
    return "all" if text.strip().lower() == "all" else ",".join(parse_kinds(text))


def shape_kinds(values: list[str] | None) -> list[str] | None:
    """--shape's callback: its kinds checked as a usage error."""
    checked(lambda: kinds(values))
    return values
