"""The rasterizer, as three small pure stages:

    signed distance (K, Y, X)  ->  coverage (K, Y, X) in [0, 1]  ->  composite (3, Y, X)

Coverage is soft during optimization (``soft_coverage``: an edge function of distance over a
temperature in pixels) and hard for output (``hard_coverage``: the fraction of s×s sub-pixel
samples inside, which is what SVG renderers compute too). Compositing is painter's order with
per-shape opacity.

A canvas has 3 channels (RGB over an opaque background) or 4: premultiplied RGBA over nothing,
for transparent output. Shapes are opaque paint of opacity ``alpha``, so in premultiplied RGBA
a shape is the colour (r, g, b, 1) composited exactly like RGB; see ``solid``.
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch

#: Soft edge functions of z = distance / temperature (distance negative inside).
#: ``tanh`` is ``sigmoid`` with a twice-sharper edge at the same temperature: 1/2 - tanh(z)/2 = σ(-2z).
EDGES: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sigmoid": lambda z: torch.sigmoid(-z),
    "tanh": lambda z: 0.5 - 0.5 * torch.tanh(z),
}


def soft_coverage(sd: torch.Tensor, temperature: float, edge: str = "sigmoid") -> torch.Tensor:
    """Coverage in [0, 1] from signed distance ``sd`` (any shape, in the same units as
    ``temperature``). Differentiable everywhere."""
    return EDGES[edge](sd / temperature)


def hard_coverage(
    sdf: Callable[..., torch.Tensor], p: torch.Tensor, x: torch.Tensor, y: torch.Tensor, pixel: float, samples: int
) -> torch.Tensor:
    """Anti-aliased coverage: the fraction of ``samples``×``samples`` sub-pixel points inside.

    ``sdf(p, x, y)`` is a kind's signed distance, ``p`` (K, P) its parameters, ``x`` (K, 1, X)
    and ``y`` (K, Y, 1) pixel centres, ``pixel`` the pixel size in their units. Returns
    (K, Y, X). Only pixels within a pixel's reach of the edge are supersampled: the kinds'
    distances never exceed the true distance, so any pixel farther than that is wholly in or
    out. Only the sign matters, so this is exact area coverage up to the sampling.
    """
    sd = sdf(p, x, y)
    cov = (sd < 0).to(x.dtype)
    k, r, c = torch.nonzero(sd.abs() < 0.71 * pixel, as_tuple=True)
    if len(k) and samples > 1:
        offsets = ((torch.arange(samples, device=x.device, dtype=x.dtype) + 0.5) / samples - 0.5) * pixel
        xs = x[k, 0, c][:, None, None] + offsets.repeat(samples)
        ys = y[k, r, 0][:, None, None] + offsets.repeat_interleave(samples)
        cov[k, r, c] = (sdf(p[k], xs, ys) < 0).to(x.dtype).mean(dim=(1, 2))
    return cov


def solid(colour: torch.Tensor, channels: int) -> torch.Tensor:
    """Colours (..., 3) as paint for a canvas of ``channels``: on premultiplied RGBA an opacity
    channel of 1 is added, so that the canvas's alpha gains what each shape covers, as an SVG
    renderer's does."""
    return colour if channels == 3 else torch.cat([colour, torch.ones_like(colour[..., :1])], dim=-1)


#: On premultiplied RGBA, alpha above the target's is charged this many times again on top of
#: its error: painting only adds opacity, so paint spilt where the picture is transparent stays.
#: Without it the first, large shapes spill freely; 8 to 16 fit best on cut-out test pictures.
SPILL = 16.0


def squared_error(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """(out - target)² per channel, (..., C, Y, X); on premultiplied RGBA plus SPILL times the
    square of any alpha above the target's."""
    return squared_residual(out - target)


def squared_residual(r: torch.Tensor) -> torch.Tensor:
    """``squared_error`` of a residual r = out - target (..., C, Y, X)."""
    err = r**2
    if r.shape[-3] == 3:
        return err
    return torch.cat([err[..., :3, :, :], err[..., 3:, :, :] + SPILL * r[..., 3:, :, :].clamp_min(0) ** 2], dim=-3)


def over(canvas: torch.Tensor, coverage: torch.Tensor, colour: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """One shape over its own canvas patch, for K shapes each on its own patch.

    canvas (K, C, Y, X); coverage (K, Y, X); colour (K, 3); alpha (K,). Returns (K, C, Y, X).
    """
    u = (alpha[:, None, None] * coverage)[:, None]
    return canvas + u * (solid(colour, canvas.shape[1])[:, :, None, None] - canvas)


#: The slope of each soft edge, d coverage / dz, written with the coverage it gives.
SLOPES: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sigmoid": lambda cov: -cov * (1 - cov),
    "tanh": lambda cov: -2 * cov * (1 - cov),
}


@dataclass(frozen=True)
class Patches:
    """K patches of canvas and target that shapes move over while they are refined, kept with
    the sums over channels that ``over_error`` expands a shape's squared error into:
    sum_c (gap_c + u (paint_c - canvas_c))^2 = |gap|^2 + 2u (paint.gap - gap.canvas)
    + u^2 (|paint|^2 - 2 paint.canvas + |canvas|^2), so that a step costs two channel dot
    products and a few (K, Y·X) maps instead of a dozen (K, C, Y, X) tensors.

    canvas and gap = canvas - target are (K, C, P) with P = Y·X; weight, gap_canvas
    (gap.canvas) and canvas_sq (|canvas|^2) are (K, P); base (K,) is sum weight |gap|^2.
    """

    canvas: torch.Tensor
    gap: torch.Tensor
    weight: torch.Tensor
    gap_canvas: torch.Tensor
    canvas_sq: torch.Tensor
    base: torch.Tensor


def patches(canvas: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> Patches:
    """``Patches`` of canvas and target (K, C, Y, X) under weight (K, 1, Y, X)."""
    k, c = canvas.shape[:2]
    canvas = canvas.reshape(k, c, -1)
    gap = canvas - target.reshape(k, c, -1)
    weight = weight.reshape(k, -1)
    sq = (gap * gap).sum(dim=1)
    return Patches(canvas, gap, weight, (gap * canvas).sum(dim=1), (canvas * canvas).sum(dim=1), (weight * sq).sum(1))


class _OverError(torch.autograd.Function):
    """``over_error`` with its gradients written out (see ``Patches`` for the expansion)."""

    @staticmethod
    def forward(ctx, sd, colour, alpha, temperature, edge, at: Patches):
        cov = EDGES[edge](sd / temperature).flatten(1)
        u = alpha[:, None] * cov
        paint = solid(colour, at.canvas.shape[1])
        dot = lambda img: torch.bmm(paint[:, None], img)[:, 0]
        q1 = dot(at.gap) - at.gap_canvas
        q2 = (paint * paint).sum(1, keepdim=True) - 2 * dot(at.canvas) + at.canvas_sq
        err = at.base + (at.weight * u * (2 * q1 + u * q2)).sum(1)
        # On premultiplied RGBA, alpha spilt above the target's is charged again (``SPILL``).
        spill = (at.gap[:, 3] + u * (1 - at.canvas[:, 3])).clamp_min(0) if len(paint[0]) == 4 else None
        if spill is not None:
            err = err + SPILL * (at.weight * spill * spill).sum(1)
        ctx.save_for_backward(cov, u, q1, q2, paint, alpha)
        ctx.temperature, ctx.edge, ctx.at, ctx.spill, ctx.shape = temperature, edge, at, spill, sd.shape
        return err

    @staticmethod
    def backward(ctx, grad):
        cov, u, q1, q2, paint, alpha = ctx.saved_tensors
        at = ctx.at
        g = grad[:, None] * at.weight
        d_u = 2 * g * (q1 + u * q2)
        if ctx.spill is not None:
            d_u = d_u + 2 * SPILL * g * ctx.spill * (1 - at.canvas[:, 3])
        gu, guu = g * u, g * u * u
        col = lambda img, m: torch.bmm(img, m[:, :, None])[:, :, 0]
        d_paint = 2 * (col(at.gap, gu) + paint * guu.sum(1, keepdim=True) - col(at.canvas, guu))
        d_alpha = (d_u * cov).sum(1)
        d_sd = (d_u * alpha[:, None] * SLOPES[ctx.edge](cov) / ctx.temperature).view(ctx.shape)
        return d_sd, d_paint[:, :3], d_alpha, None, None, None


def over_error(
    sd: torch.Tensor, colour: torch.Tensor, alpha: torch.Tensor, temperature: float, edge: str, at: Patches
) -> torch.Tensor:
    """(K,) weighted squared error of each patch once its shape is painted over it: the chain
    ``soft_coverage`` -> ``over`` -> ``squared_error`` in one step, differentiable in sd
    (K, Y, X), colour (K, 3) and alpha (K,)."""
    return _OverError.apply(sd, colour, alpha, temperature, edge, at)


def best_colour(
    canvas: torch.Tensor, target: torch.Tensor, weight: torch.Tensor, coverage: torch.Tensor, alpha: torch.Tensor
) -> torch.Tensor:
    """The least-squares colour of each shape over its own patch, clamped to [0, 1].

    canvas, target (K, C, Y, X); weight (K, 1, Y, X); coverage (K, Y, X); alpha (K,).
    Returns (K, 3). Minimizes sum w * (canvas + u * (c - canvas) - target)^2 over c.
    """
    # A premultiplied canvas's alpha gains u whatever the colour: only RGB has a choice.
    canvas, target = canvas[:, :3], target[:, :3]
    u = (alpha[:, None, None] * coverage)[:, None]
    num = (weight * u * (target - canvas)).sum(dim=(2, 3))
    den = (weight * u * u).sum(dim=(2, 3)).clamp_min(1e-9)
    mean = (weight * u * u * canvas).sum(dim=(2, 3)) / den
    return (mean + num / den).clamp(0, 1)


def take(values: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``values[index]`` along the first axis, for indices that repeat. Its gradient sums the
    repeats with ``index_add``, in the same order every run; plain indexing's gradient sums
    them with ``index_put_``, which on CPU with several threads sums in a varying order, so
    that the same command could write two different pictures."""
    return values.index_select(0, index)


def composite_runs(
    background: torch.Tensor,
    coverage: torch.Tensor,
    colour: torch.Tensor,
    alpha: torch.Tensor,
    run: torch.Tensor,
    runs: int,
) -> torch.Tensor:
    """Painter's-order compositing for many canvases (tiles) at once, each with its own list of
    shapes. With u_i = alpha_i * coverage_i, a canvas is
    background * prod_i (1 - u_i) + sum_i colour_i * u_i * prod_{j > i} (1 - u_j).

    coverage (E, Y, X), colour (E, 3) and alpha (E,) are E (canvas, shape) pairs sorted by
    ``run`` (E,), the canvas index, and in painter's order within a canvas; background (C,)
    is shared. Returns (runs, C, Y, X). Nothing is padded: the transmittance products are
    per-canvas sums of log(1 - u), taken in float64 so long runs lose no precision.
    """
    if not len(run):
        return background[:, None, None].expand(runs, -1, *coverage.shape[1:]).clone()
    u = alpha[:, None, None] * coverage
    log_keep = torch.log1p(-u.clamp(max=1 - 1e-6)).double()
    # A cumulative sum over the first axis, taken along the last: several times faster on CPU.
    upto = log_keep.flatten(1).T.cumsum(1).T.view_as(log_keep)
    # Each pair's run ends at ``last``: what is painted after it there is upto[last] - upto.
    last = torch.searchsorted(run, run, right=True) - 1
    after = torch.exp(take(upto, last) - upto).to(u.dtype)
    starts = torch.searchsorted(run, torch.arange(runs, device=run.device))
    ends = torch.searchsorted(run, torch.arange(runs, device=run.device), right=True) - 1
    filled = (ends >= starts)[:, None, None]
    s, e = starts.clamp_max(len(run) - 1), ends.clamp_min(0)
    total = torch.where(filled, take(upto, e) - take(upto, s) + take(log_keep, s), 0.0)
    paint = torch.zeros(runs, len(background), *u.shape[1:], dtype=u.dtype, device=u.device).index_add(
        0, run, (u * after)[:, None] * solid(colour, len(background))[:, :, None, None]
    )
    return background[:, None, None] * torch.exp(total).to(u.dtype)[:, None] + paint
