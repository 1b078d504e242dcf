"""How large a render is and how the scene's canvas lies on it: sizes in whole pixels, and the
scale across and down that draws the canvas onto them (as an SVG's viewBox does its page)."""

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
