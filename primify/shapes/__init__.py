"""The registry of shape kinds. Adding a kind is one module here and one line in ``KINDS``."""

from .base import ShapeKind
from .bezier import Bezier
from .circle import Circle
from .ellipse import Ellipse
from .line import Line
from .polygon import Polygon
from .rect import Rect
from .rotated_ellipse import RotatedEllipse
from .rotated_rect import RotatedRect
from .triangle import Triangle

KINDS: dict[str, ShapeKind] = {k.name: k for k in (Triangle, Circle, Rect, Ellipse, RotatedRect, RotatedEllipse,
                                                   Line, Bezier, Polygon)}


def parse_kinds(text: str) -> tuple[str, ...]:
    """Turn ``"triangle,circle"`` (or ``"all"``) into known kind names, in order, without repeats.

    Raises ValueError naming the known kinds when one is unknown.
    """
    names = list(KINDS) if text.strip() == "all" else [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in KINDS]
    if unknown or not names:
        raise ValueError(f"unknown shape kind {', '.join(unknown) or repr(text)}; "
                         f"known kinds: {', '.join(KINDS)} (or all)")
    return tuple(dict.fromkeys(names))
