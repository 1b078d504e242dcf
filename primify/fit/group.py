"""Shapes being fitted: each in its own window of the canvas, scored against the frozen canvas."""

from dataclasses import dataclass, replace

import torch

from ..render.hard import SUPERSAMPLE
from ..render.raster import best_colour, hard_coverage, over, soft_coverage, squared_error
from ..shapes import resolve_kind
from .palette import best_of
from .placement import sample_centres, sizes_about
from .sweep import sweep
from .window import Windows, around

#: Half the side of a new shape's window, in units of its starting radius: room to move and
#: grow a little. Larger windows cost more per step and did not fit better.
WINDOW = 1.2
#: The most window pixels (times channels) of candidates scored at once.
PART = 2**22


@dataclass(frozen=True)
class Group:
    """Active shapes of one kind, each with its own window of the canvas and target."""

    kind: str
    params: torch.Tensor  # (K, P)
    colour: torch.Tensor  # (K, 3)
    alpha: torch.Tensor  # (K,)
    windows: Windows
    target: torch.Tensor  # (K, 3, Y, X)
    canvas: torch.Tensor  # (K, 3, Y, X)
    weight: torch.Tensor  # (K, 1, Y, X)

    def coverage(self, temperature: float, edge: str) -> torch.Tensor:
        sd = resolve_kind(self.kind).sdf(self.params, self.windows.x, self.windows.y)
        return soft_coverage(sd, temperature / self.windows.scale, edge)

    def hard(self) -> torch.Tensor:
        w = self.windows
        return hard_coverage(resolve_kind(self.kind).sdf, self.params, w.x, w.y, 1 / w.scale, SUPERSAMPLE)

    def gain(self, coverage: torch.Tensor) -> torch.Tensor:
        """(K,) weighted squared error each shape removes from its window (negative: adds)."""
        before = (self.weight * squared_error(self.canvas, self.target)).sum(dim=(1, 2, 3))
        return before - self.error(coverage)

    def error(self, coverage: torch.Tensor) -> torch.Tensor:
        """(K,) weighted squared error left in each window with its shape painted."""
        out = over(self.canvas, coverage, self.colour, self.alpha)
        return (self.weight * squared_error(out, self.target)).sum(dim=(1, 2, 3))

    def recoloured(self, coverage: torch.Tensor, palette: torch.Tensor | None = None) -> "Group":
        """The group with each shape's best colour for ``coverage``: least squares, or the
        palette's best."""
        if palette is None:
            colour = best_colour(self.canvas, self.target, self.weight, coverage, self.alpha)
        else:
            colour = best_of(palette, self.canvas, self.target, self.weight, coverage, self.alpha)
        return replace(self, colour=colour)

    def against(self, canvas: torch.Tensor) -> "Group":
        """The group scored against ``canvas`` (C, H, W) as it is now."""
        return replace(self, canvas=self.windows.gather(canvas))

    def select(self, idx: torch.Tensor) -> "Group":
        return Group(
            self.kind,
            self.params[idx],
            self.colour[idx],
            self.alpha[idx],
            self.windows.select(idx),
            self.target[idx],
            self.canvas[idx],
            self.weight[idx],
        )


def palette_of(settings, like: torch.Tensor) -> torch.Tensor | None:
    """The settings' palette as a (P, 3) tensor beside ``like``, or None."""
    return None if settings.palette is None else torch.tensor(settings.palette, dtype=like.dtype, device=like.device)


@dataclass(frozen=True)
class Pool:
    """Scored candidates of one kind, without their windows' pixels, so that many can be kept."""

    kind: str
    params: torch.Tensor  # (M, P)
    colour: torch.Tensor  # (M, 3)
    alpha: torch.Tensor  # (M,)
    windows: Windows
    gains: torch.Tensor  # (M,)

    def take(self, idx: torch.Tensor, target, canvas, weight) -> Group:
        """The candidates at ``idx`` as a group to fit, over ``canvas`` (C, H, W)."""
        w = self.windows.select(idx)
        return Group(
            self.kind,
            self.params[idx],
            self.colour[idx],
            self.alpha[idx],
            w,
            w.gather(target),
            w.gather(canvas),
            w.gather(weight[None]),
        )


def candidates(kind: str, target, weight, canvas, error, count, radius, alpha, settings, gen, search=False) -> Pool:
    """``count`` fresh shapes of ``kind`` of about ``radius`` pixels, placed by error, each with
    its least-squares colour and the error it removes. Where ``search`` (below ``few_shapes``),
    kinds that ``sweep`` are the best of every place instead."""
    _, h, w = target.shape
    scale = max(h, w)
    # A palette's colours are not the free colour that a sweep's sums assume.
    swept = (
        search
        and settings.palette is None
        and sweep(kind, target, weight, canvas, count, radius, WINDOW * radius, alpha, gen, settings.min_size)
    )
    if swept:
        params, centres = swept
        count = len(params)
    else:
        centres = sample_centres(error, count, radius, gen)
        sizes = sizes_about(radius, count, gen).to(target.device)
        params = resolve_kind(kind).init(centres / scale, sizes / scale, gen)
    windows = around(centres, WINDOW * radius + 2, h, w)
    resolve_kind(kind).constrain(params, windows.lo, windows.hi, settings.min_size / scale)
    pool = Pool(
        kind,
        params,
        torch.zeros(count, 3, dtype=target.dtype, device=target.device),
        torch.full((count,), alpha, dtype=target.dtype, device=target.device),
        windows,
        torch.zeros(count, dtype=target.dtype, device=target.device),
    )
    colours, gains = [], []
    # Scored in parts: at a large working size the first shapes' windows are the whole picture.
    pixels = len(target) * windows.rows.shape[1] * windows.cols.shape[1]
    for idx in torch.arange(count, device=target.device).split(max(1, PART // pixels)):
        g = pool.take(idx, target, canvas, weight)
        cov = g.coverage(settings.temperature_end, settings.edge)
        g = g.recoloured(cov, palette_of(settings, target))
        colours.append(g.colour)
        gains.append(g.gain(cov))
    return replace(pool, colour=torch.cat(colours), gains=torch.cat(gains))
