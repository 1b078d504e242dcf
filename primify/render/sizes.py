"""How large a render is and how the scene's canvas lies on it: sizes in whole pixels, and the
scale across and down that draws the canvas onto them (as an SVG's viewBox does its page)."""

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Scene


def size_for(width: int, height: int, longer: int | None = None) -> tuple[int, int]:
    """Pixel size (width, height) of a ``width`` × ``height`` picture rendered with longer side
    ``longer`` (None: as it is)."""
    if longer is None:
        return width, height
    long_side = max(width, height)
    return max(1, _rounded(width * longer, long_side)), max(1, _rounded(height * longer, long_side))


def _rounded(a: int, b: int) -> int:
    """a / b rounded half to even, as ``round`` does, in whole numbers: a float quotient is
    inexact from 2**53 and overflows past 10**308, and an SVG of any size may be asked for."""
    q, r = divmod(a, b)
    return q + (2 * r > b or (2 * r == b and q % 2 == 1))


def stretch(scene: "Scene", w: int, h: int) -> tuple[float, float]:
    """The pixels per canvas unit, across and down, that draw the scene's canvas onto exactly
    w × h pixels, as an SVG's viewBox is drawn onto its page: a picture's own proportions (those
    of a PNG at the input's size) differ a little from the working size's whole pixels, which
    the shapes were fitted to, the input stretched onto them. One scale for both, as before,
    drew a 451 × 300 picture fitted at 8 × 5 with its last 18 rows beyond the fitted canvas."""
    longer = max(scene.width, scene.height)
    return w * longer / scene.width, h * longer / scene.height


def same_shape(what: str, size: tuple[int, int], picture: tuple[int, int], whose: str = "the picture's") -> None:
    """Refuses a mask or starting scene (``what``) whose aspect ratio is not the picture's: within
    2 %, or within what rounding either to whole pixels can make of one aspect ratio (a scene
    fitted at a small working size is a few pixels across)."""
    (w, h), (pw, ph) = size, picture
    (lo, hi), (plo, phi) = _ratios(w, h), _ratios(pw, ph)
    if lo > 1.02 * phi or hi < plo / 1.02:
        raise ValueError(f"{what} is {w}×{h}, not of {whose} proportions ({pw}×{ph})")


def _ratios(w: int, h: int) -> tuple[float, float]:
    """The least and most width / height that ``w`` × ``h`` whole pixels can stand for. Sides are
    rounded, and never below one pixel: a side of one may stand for any less (a 900 × 2 picture
    works at 20 × 1, and its scene was refused by every reader as not its shape)."""
    least = lambda side: side - 0.5 if side > 1 else 0.0
    return least(w) / (h + 0.5), (w + 0.5) / least(h) if least(h) else math.inf
