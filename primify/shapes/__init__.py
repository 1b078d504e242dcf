"""The registry of shape kinds. Adding a kind is one module here and one line in ``KINDS``."""

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

KINDS: dict[str, ShapeKind] = {k.name: k for k in (Triangle, Circle, Rect, Ellipse, RotatedRect, RotatedEllipse,
                                                   Line, Bezier, Polygon)}


def step_scale(kind: str, p: torch.Tensor) -> torch.Tensor:
    """(K, P) factors that turn a step length in canvas units into a step for each parameter.

    Lengths take the step as it is. A parameter named ``angle`` (radians) takes it divided by
    the shape's half-extent, so that turning moves the outline about as far as sliding does.
    """
    scale = torch.ones_like(p)
    for i, name in enumerate(KINDS[kind].params):
        if name == "angle":
            box = KINDS[kind].bbox(p)
            scale[:, i] = 2 / (box[:, 2:] - box[:, :2]).amax(dim=1).clamp_min(1e-3)
    return scale


def parse_kinds(text: str) -> tuple[str, ...]:
    """Turn ``"triangle,circle"`` (or ``"all"``, or ``"polygon:6"``) into known kind names, in
    order, without repeats.

    Raises ValueError naming the known kinds when one is unknown.
    """
    names = [k for k in KINDS if ":" not in k] if text.strip() == "all" else [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        _add_variant(name)
    unknown = [n for n in names if n not in KINDS]
    if unknown or not names:
        raise ValueError(f"unknown shape kind {', '.join(unknown) or repr(text)}; "
                         f"known kinds: {', '.join(k for k in KINDS if ':' not in k)} (or all; polygon:N for N corners)")
    return tuple(dict.fromkeys(names))


def _add_variant(name: str) -> None:
    """Registers ``base:N`` (``polygon:6``, say) when ``base`` offers variants and N suits it."""
    base, _, arg = name.partition(":")
    if name in KINDS or base not in KINDS or not hasattr(KINDS[base], "variant") or not arg.isdigit():
        return
    try:
        KINDS[name] = KINDS[base].variant(int(arg))
    except ValueError:
        pass
