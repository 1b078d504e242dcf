"""The registry of shape kinds. Adding a kind is one module here and one line in ``KINDS``;
``resolve_kind`` finds any kind by name, variants (``polygon:6``) included, without writing anywhere."""

import functools
import re

import torch

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

KINDS: dict[str, ShapeKind] = {
    k.name: k for k in (Triangle, Circle, Rect, Ellipse, RotatedRect, RotatedEllipse, Line, Bezier, Polygon)
}


def step_scale(kind: str, p: torch.Tensor) -> torch.Tensor:
    """(K, P) factors that turn a step length in canvas units into a step for each parameter.

    Lengths take the step as it is. A parameter named ``angle`` (radians) takes it divided by
    the shape's half-extent, so that turning moves the outline about as far as sliding does.
    """
    scale = torch.ones_like(p)
    for i, name in enumerate(resolve_kind(kind).params):
        if name == "angle":
            box = resolve_kind(kind).bbox(p)
            scale[:, i] = 2 / (box[:, 2:] - box[:, :2]).amax(dim=1).clamp_min(1e-3)
    return scale


def is_size(name: str) -> bool:
    """Whether a parameter named ``name`` is a size (a radius, half-side or width), which is never
    negative: a negative one paints nothing and is an error in SVG (r="-6")."""
    return name in ("r", "rx", "ry", "hw", "hh", "width") or re.fullmatch(r"r\d+", name) is not None


def translated(kind: str, p: torch.Tensor, by: torch.Tensor) -> torch.Tensor:
    """Shapes (K, P) moved by ``by`` (K, 2), in their own units: every parameter named for an x
    (``x0``, ``cx``) takes the x shift, every one named for a y the y shift (bezier's control
    point ``cx``, ``cy`` is a point too); sizes and angles stay."""
    moved = p.clone()
    for i, name in enumerate(resolve_kind(kind).params):
        axis = name[1] if name in ("cx", "cy") else name[0]
        if axis in "xy":
            moved[:, i] += by[:, "xy".index(axis)]
    return moved


def parse_kinds(text: str) -> tuple[str, ...]:
    """Turn ``"triangle,circle"`` (or ``"all"``, or ``"polygon:6"``) into known kind names, in
    order, without repeats, in any case, as the kinds name themselves.

    Raises ValueError naming the known kinds when one is unknown.
    """
    text = text.lower()
    names = list(KINDS) if text.strip() == "all" else [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise ValueError(f"no shape kind is given; {_KNOWN}")
    if "all" in names:
        raise ValueError("'all' stands alone, meaning every kind; to mix kinds, list them, as in triangle,circle")
    # As the kinds name themselves: polygon:05 is polygon:5, one kind, with one file name.
    return tuple(dict.fromkeys(resolve_kind(name).name for name in names))


@functools.cache
def resolve_kind(name: str) -> ShapeKind:
    """The kind named ``name``: one of ``KINDS``, or a variant ``base:N`` (``polygon:6``) of a
    kind that offers them. Pure: nothing is registered (the cache only keeps one kind object
    per name). Raises ValueError naming the known kinds."""
    if not isinstance(name, str):
        raise ValueError(f"{name!r} is not a shape kind; {_KNOWN}")
    if name in KINDS:
        return KINDS[name]
    base, _, arg = name.partition(":")
    # isdigit alone takes ² and ٥, which int() refuses or reads as 5.
    if base in KINDS and hasattr(KINDS[base], "variant") and arg.isascii() and arg.isdigit():
        try:
            return KINDS[base].variant(int(arg))
        except ValueError as e:
            raise ValueError(f"'{name}' is not a shape kind: {e}") from None
    raise ValueError(f"'{name}' is not a shape kind; {_KNOWN}")


_KNOWN = f"known kinds: {', '.join(KINDS)} (or all; polygon:N for N corners)"
