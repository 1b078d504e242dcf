"""Freezing: a refined batch becomes fixed shapes, painted with the output's own renderer."""

from collections.abc import Callable

import numpy as np
import torch

from ..model import Shape
from ..render.hard import paint
from .group import Group


def freeze(
    groups: list[Group],
    canvas: torch.Tensor,
    shapes: list[Shape],
    palette: torch.Tensor | None,
    enough: Callable[[], bool],
    one_by_one: bool = False,
) -> int:
    """Paints the batch into ``canvas`` in order with the output's renderer, each colour
    re-solved for its exact coverage over the canvas as the shapes before it leave it; drops
    shapes that would not lower the error, and stops once ``enough()``, asked after each shape
    where ``one_by_one`` (else after each wave). Returns how many were added to ``shapes``.

    A shape reads and paints its window only, so it does not depend on earlier shapes whose
    windows its own does not meet: the batch is frozen in waves of such shapes together, the
    same shapes as one by one at a fraction of the small tensor operations."""
    where = [(gi, i) for gi, g in enumerate(groups) for i in range(len(g.params))]
    waves = list(range(len(where))) if one_by_one else _waves(groups)
    cover = [g.hard() for g in groups]
    kept: dict[tuple[int, int], Shape] = {}
    for wave in sorted(set(waves)):
        for gi, g in enumerate(groups):
            idx = [i for (gj, i), w in zip(where, waves) if gj == gi and w == wave]
            if not idx:
                continue
            cov = cover[gi][idx]
            some = g.select(torch.tensor(idx, device="cpu")).against(canvas).recoloured(cov, palette)
            good = (some.gain(cov) > 0) & torch.isfinite(some.params).all(dim=1)
            values = zip(some.params.tolist(), some.colour.tolist(), some.alpha.tolist(), cov, good.tolist())
            for k, (params, colour, alpha, c, ok) in enumerate(values):
                if not ok:
                    continue
                shape = Shape(g.kind, tuple(params), tuple(colour), alpha)
                # Refinement kept the shape inside its window, so the window's coverage is all of
                # the shape's on the canvas: it is painted from that, not worked out again.
                top, left = int(some.windows.rows[k, 0]), int(some.windows.cols[k, 0])
                paint(canvas, shape, bands=[(top, top + c.shape[0], left, left + c.shape[1], c)])
                kept[gi, idx[k]] = shape
        if enough():
            break
    added = [kept[k] for k in where if k in kept]
    shapes.extend(added)
    return len(added)


def _waves(groups: list[Group]) -> list[int]:
    """Each shape's wave, in the batch's order: one past the latest wave of the earlier shapes
    whose windows meet its own (0 where none do)."""
    if not groups:
        return []
    corner = lambda g: torch.stack([g.windows.rows[:, 0], g.windows.cols[:, 0]], 1)
    size = lambda g: torch.tensor([g.windows.rows.shape[1], g.windows.cols.shape[1]], device=g.params.device)
    lo = torch.cat([corner(g) for g in groups])
    hi = torch.cat([corner(g) + size(g) for g in groups])
    meet = ((lo[:, None] < hi[None]) & (lo[None] < hi[:, None])).all(dim=2).cpu().numpy()
    waves = np.zeros(len(meet), dtype=np.int64)
    for i in range(1, len(meet)):
        waves[i] = waves[:i][meet[i, :i]].max(initial=-1) + 1
    return waves.tolist()
