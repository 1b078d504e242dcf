"""The colours that fit best together, for shapes whose geometry and opacity stay as they are.

A hard canvas is linear in its colours. With u_i a shape's opacity times its anti-aliased
coverage and after_i the product of (1 - u_j) over the shapes painted after it,

    canvas = background * prod_i (1 - u_i) + sum_i colour_i * u_i * after_i,

so the colours, and the background where the fitter chooses it, that leave the least weighted
squared error in the picture that is written solve one linear least-squares problem of n + 1
unknowns a channel. Freezing gave each shape the best colour over what lay below it then, and
the polish moved colours on the soft picture; this makes them best for the exact picture, all
together. It pays where shapes are few and each colour covers much (at 8 triangles +0.06 dB in
trials, most of it the background's), and there it costs one small solve and two hard renders.
"""

import torch

from ..model import Shape
from ..render.hard import coverages, painted
from ..render.raster import weighted_error

#: Pixels of basis images (unknowns × pixels) built at once: a band of rows at a time, so a
#: large working size needs bounded memory.
_MAX_BASIS = 1 << 23
#: Ties the solution to the colours it starts from, relative to the mean diagonal of the normal
#: equations: a shape that nothing of the picture shows keeps its colour, and nothing is singular.
_RIDGE = 1e-6


def solved(
    target: torch.Tensor,
    weight: torch.Tensor,
    background: torch.Tensor,
    shapes: list[Shape],
    free_background: bool,
) -> tuple[torch.Tensor, list[Shape], torch.Tensor]:
    """(background, shapes, canvas) with the colours re-solved jointly, clamped to [0, 1], the
    background among them where ``free_background``; as given where that does not lower the
    error of the hard canvas. ``canvas`` is the hard canvas of what is returned.

    target (C, H, W) and background (C,): RGB, or premultiplied RGBA over a background of
    zeros (only colour is solved there: a shape's opacity is not its colour's to change).
    weight (H, W).
    """
    _, h, w = target.shape
    # The geometry stays, so one coverage of each shape serves every picture painted here.
    bands = list(coverages(target, shapes))
    before = painted(background, shapes, h, w, bands)
    if not shapes:
        return background, shapes, before
    first = 1 if free_background else 0
    dev = target.device
    start = torch.cat(
        [background[None, :3], torch.tensor([s.colour for s in shapes], dtype=background.dtype, device=dev)]
    )[1 - first :]
    start = start.double()
    normal = torch.zeros(len(start), len(start), dtype=torch.float64, device=dev)
    rhs = torch.zeros(len(start), 3, dtype=torch.float64, device=dev)
    rows = max(1, _MAX_BASIS // ((len(shapes) + 1) * w))
    for top in range(0, h, rows):
        bottom = min(h, top + rows)
        flat = _basis(shapes, top, bottom, w, max(h, w), first, target, bands if rows >= h else None)
        flat = flat.flatten(1).double()
        lit = flat * weight[top:bottom].flatten().double()
        normal += lit @ flat.T
        rhs += lit @ target[:3, top:bottom].flatten(1).double().T
    ridge = _RIDGE * normal.diagonal().mean().clamp_min(1e-12)
    colours = torch.linalg.solve(
        normal + ridge * torch.eye(len(start), dtype=normal.dtype, device=dev), rhs + ridge * start
    )
    colours = colours.float().clamp(0, 1)
    new_background = torch.cat([colours[0], background[3:]]) if free_background else background
    new = [Shape(s.kind, s.params, tuple(c), s.alpha) for s, c in zip(shapes, colours[first:].tolist(), strict=True)]
    after = painted(new_background, new, h, w, bands)
    loss = lambda canvas: weighted_error(canvas, target, weight).item()
    return (new_background, new, after) if loss(after) < loss(before) else (background, shapes, before)


def _basis(shapes, top: int, bottom: int, w: int, scale: int, first: int, like: torch.Tensor, found=None):
    """Rows ``top``..``bottom`` of the canvas as basis images (first + n, rows, w): what a unit
    of each unknown adds there, the background's transmittance (where ``first``), then each
    shape's u_i * after_i. On premultiplied RGBA the background is nothing, so colour is all
    the shapes' and nothing else is left to subtract. ``found``: the shapes' coverages of
    these rows, where the caller has them."""
    rows = bottom - top
    keep = torch.ones(rows, w, dtype=like.dtype, device=like.device)
    basis = torch.zeros(first + len(shapes), rows, w, dtype=like.dtype, device=like.device)
    if found is None:
        found = list(coverages(like.new_empty(1, rows, w), shapes, scale=scale, offset=(0, -top)))
    # From the last shape painted to the first, so that ``keep`` is each one's after_i.
    for i in range(len(shapes) - 1, -1, -1):
        u = torch.zeros(rows, w, dtype=like.dtype, device=like.device)
        for r0, r1, c0, c1, cov in found[i]:
            u[r0:r1, c0:c1] = shapes[i].alpha * cov
        basis[first + i] = u * keep
        keep = keep * (1 - u)
    if first:
        basis[0] = keep
    return basis
