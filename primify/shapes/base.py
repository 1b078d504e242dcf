"""The shape contract every kind follows.

A kind is a class with only static methods, written in the same order in every file:

1. ``name`` and ``params``: the parameter names, in resolution-free units where the canvas's
   longer side is 1 (a 256-px pixel is 1/256).
2. ``init(centre, scale, gen)``: K new shapes around ``centre`` (K, 2) with a rough radius
   ``scale`` (K,), as a (K, P) tensor.
3. ``sdf(p, x, y)``: signed distance from pixel points to each shape, negative inside. ``p`` is
   (K, P); ``x`` is (K, 1, X) and ``y`` is (K, Y, 1), which broadcast to a (K, Y, X) result.
   It must be exact in sign, and its magnitude must never exceed the true distance to the
   outline (the hard renderer treats any pixel farther than that as wholly in or out); near the
   edge it should be the true distance in the units of ``x`` and ``y``, so that a soft edge of
   a given width in pixels means the same on every kind. Any ``x`` and ``y`` that broadcast
   against (K, 1, 1) must work, as the hard renderer passes (M, 1, S) point sets.
4. ``constrain(p, lo, hi, min_size)``: projects (K, P) parameters, in place, onto valid shapes
   that stay inside the box ``lo``..``hi`` (K, 2) each, at least ``min_size`` across.
5. ``bbox(p)``: (K, 4) tight bounds x0, y0, x1, y1.
6. ``svg(p, fmt)``: the SVG element name and geometry attributes for one shape's parameters
   (a sequence of floats), formatted with ``fmt``, a float-to-string function that turns
   lengths into SVG pixels (angles and other non-lengths must be formatted some other way).

Optionally, ``paint = "stroke"`` says the SVG element is a stroke rather than a fill (its
``svg`` gives the stroke's width and caps), so the colour and opacity go on ``stroke`` and
``stroke-opacity``; the default is ``"fill"``. And ``sweep = "stamps"`` says that few new shapes
of the kind are best found by trying a few random ones at every position of the picture
(``fit.sweep``: the parameters named for an x or a y move with the shape, see
``shapes.translated``); ``"boxes"`` is the axis-aligned rectangle's own sweep of every corner.
"""

import math
from collections.abc import Callable, Sequence
from typing import Protocol

import torch


class ShapeKind(Protocol):
    name: str
    params: tuple[str, ...]

    @staticmethod
    def init(centre: torch.Tensor, scale: torch.Tensor, gen: torch.Generator) -> torch.Tensor: ...

    @staticmethod
    def sdf(p: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor: ...

    @staticmethod
    def constrain(p: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor, min_size: float) -> None: ...

    @staticmethod
    def bbox(p: torch.Tensor) -> torch.Tensor: ...

    @staticmethod
    def svg(p: Sequence[float], fmt: Callable[[float], str]) -> tuple[str, dict[str, str]]: ...


def path_data(numbers: Sequence[str]) -> str:
    """Numbers (already formatted) as SVG path data: space-separated, but a minus sign is
    separator enough ("12-3"), as every byte counts in placeholders."""
    return "".join(n if i == 0 or n.startswith("-") else " " + n for i, n in enumerate(numbers))


def degrees(angle: float) -> str:
    """An angle in radians as degrees with two decimals at most, for a ``rotate()``."""
    return f"{math.degrees(angle):.2f}".rstrip("0").rstrip(".")


def uniform(k: int, lo: float, hi: float, gen: torch.Generator, like: torch.Tensor) -> torch.Tensor:
    """K uniform samples in [lo, hi) drawn from ``gen`` (as float32 on the CPU, whatever torch's
    defaults, so seeds give the same shapes on every device) and moved to ``like``'s device."""
    draws = torch.rand(k, generator=gen, dtype=torch.float32, device="cpu")
    return (draws * (hi - lo) + lo).to(like.device, like.dtype)


def keep_inside(
    c: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor, least: torch.Tensor, extra: torch.Tensor
) -> torch.Tensor:
    """For kinds with a size that can shrink to a smallest shape of half-extent ``least`` (K, 2):
    moves centres ``c`` (K, 2) in place to at least ``least`` inside lo..hi, and returns the
    factor g (K, 1) in [0, 1] such that half-extents up to ``least + g * extra`` fit, where
    ``extra`` (K, 2) bounds how far the full-size shape reaches beyond the smallest one."""
    c.copy_(torch.maximum(torch.minimum(c, hi - least), lo + least))
    room = torch.minimum(c - lo, hi - c)
    return ((room - least) / extra.clamp_min(1e-12)).clamp(0, 1).amin(dim=1, keepdim=True)


def half_sizes(centre: torch.Tensor, scale: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """(K, 2) random half-sizes, x and y, between 0.4 and 1 times each shape's ``scale`` (K,)."""
    return scale[:, None] * uniform(2 * len(centre), 0.4, 1.0, gen, centre).view(-1, 2)


def rotated_init(centre: torch.Tensor, scale: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """K shapes (cx, cy, half-size x, half-size y, angle): random sizes and angles."""
    half = half_sizes(centre, scale, gen)
    return torch.cat([centre, half, uniform(len(centre), -math.pi / 2, math.pi / 2, gen, centre)[:, None]], dim=1)


def local(p: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Points in the frame of shapes (cx, cy, _, _, angle): along and across their axes."""
    cx, cy, a = p[:, 0, None, None], p[:, 1, None, None], p[:, 4, None, None]
    cos, sin = torch.cos(a), torch.sin(a)
    dx, dy = x - cx, y - cy
    return dx * cos + dy * sin, dy * cos - dx * sin


def unturn(p: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Wraps the angle of (cx, cy, _, _, angle) shapes into [-pi/2, pi/2), in place (half a turn
    gives the same shape; it keeps the SVG's angle readable); returns its |cos| and |sin|."""
    p[:, 4] = torch.remainder(p[:, 4] + math.pi / 2, math.pi) - math.pi / 2
    return torch.cos(p[:, 4]).abs(), torch.sin(p[:, 4]).abs()
