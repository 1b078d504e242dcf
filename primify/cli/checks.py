"""The library's ValueErrors as usage errors (exit 2): one sentence naming the option."""

import typer
from PIL import UnidentifiedImageError

from ..batch.work import reason


def valid(check):
    """An option callback that lets ``check``'s ValueError through as a usage error."""

    def callback(text: str) -> str:
        checked(lambda: check(text))
        return text

    return callback


def usage(bad: bool, param: str, message: str) -> None:
    """A usage error (exit 2) naming ``param`` when ``bad``."""
    if bad:
        raise typer.BadParameter(message, param_hint=param)


def checked(make, param: str | None = None, prefix: str | None = None):
    """``make()``, with a ValueError or reading error turned into a usage error (exit 2)."""
    try:
        return make()
    except (OSError, UnidentifiedImageError, ValueError) as e:
        raise typer.BadParameter(f"{prefix}: {reason(e)}" if prefix else str(e), param_hint=param) from None


def output_size(size: int | None, max_pixels: int) -> None:
    """Refuses an ``--output-size`` whose square is over ``--max-pixels``."""
    usage(
        size is not None and size * size > max_pixels,
        "--output-size",
        f"{size}×{size} pixels is over --max-pixels {max_pixels:,}; give a smaller size or raise --max-pixels",
    )
