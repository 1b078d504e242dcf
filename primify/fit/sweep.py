"""Sweeps: new shapes of a kind tried at every position of a small picture at once.

A shape of opacity ``a`` painted in its best colour over the pixels P it covers removes an
error that depends on P only through a few sums over P of per-pixel values (``moments``; the
algebra is in ``gains``). So the shapes that differ only by where they are, a stamp, are scored
at every pixel by one correlation of those values with the stamp's mask (by FFT), and
axis-aligned rectangles of every position and size by four look-ups in summed-area tables.
Random placement tries a few dozen places where the error is; a sweep finds the best of all.
That pays for kinds with few parameters besides their position (rectangles, circles,
ellipses: +0.3 dB at 20 shapes in trials); a triangle's shape matters more than its place, and
sweeping gained nothing there. A kind opts in with ``sweep = "boxes"`` or ``"stamps"``.
"""

import math

import torch

from ..shapes import resolve_kind, translated
from .placement import sizes_about

#: Sweeps run on pictures of at most this many pixels, as the picture that fewer than
#: ``few_shapes`` are searched on always is (159 px on its longer side at most). Their cost grows
#: with the pixels: at 500 rectangles on the 256 px picture, sweeping every batch gained nothing
#: (-0.04 dB) in 1.5 times the fitting time (ad hoc).
PIXELS = 2**15
#: Rectangles scored per sweep, at most: past that the corners move on a coarser grid.
BOXES = 2**17
#: Random stamp sizes (and, for kinds with more than a size, shapes) tried per sweep.
STAMPS = 16


def sweep(kind: str, target, weight, canvas, count: int, radius: float, reach: float, alpha: float, gen, least: float):
    """The ``count`` best new shapes of ``kind`` by the error they remove, of about ``radius``
    pixels, reaching at most ``reach`` pixels from their centre and at least ``least`` pixels
    across, as (params (count, P) in canvas units, centres (count, 2) in pixels); None where the
    kind does not sweep or the picture is too large. target, canvas (C, H, W), weight (H, W)."""
    how = getattr(resolve_kind(kind), "sweep", None)
    _, h, w = target.shape
    if how is None or h * w > PIXELS:
        return None
    m = moments(target, weight, canvas, alpha)
    if how == "boxes":
        params = boxes(m, 2 * reach, alpha, count, gen)
    else:
        params = stamps(kind, m, radius, reach, alpha, count, gen, least)
    box = resolve_kind(kind).bbox(params)
    return (params / max(h, w)).to(target.dtype), ((box[:, :2] + box[:, 2:]) / 2).to(target.dtype)


def moments(target: torch.Tensor, weight: torch.Tensor, canvas: torch.Tensor, alpha: float) -> torch.Tensor:
    """Per-pixel values whose sums over a shape's pixels give the error it removes (``gains``):
    w, w·e (C channels), w·|e|² and w·|t - c|², where e = t - (1 - a)·c is what is left for
    the paint. (C, H, W) in, (C + 3, H, W) float64 out."""
    t, c, wt = target.double(), canvas.double(), weight.double()[None]
    e = t - (1 - alpha) * c
    return torch.cat([wt, wt * e, (wt * e * e).sum(0, keepdim=True), (wt * (t - c) ** 2).sum(0, keepdim=True)])


def gains(sums: torch.Tensor, alpha: float) -> torch.Tensor:
    """The error removed by painting, over the pixels the sums cover, the colour that removes
    the most. ``sums`` (C + 3, ...) of ``moments``; returns (...).

    With weights w, painting colour k leaves Σ w·|e - a·k|² = Σw|e|² - 2a·k·Σwe + a²|k|²·Σw,
    least at a·k = Σwe / Σw, clipped to what a colour in [0, 1] can give. Over nothing (C = 4)
    the fourth channel is the paint's own opacity, fixed at a."""
    w, we, wee, before = sums[0], sums[1:-2], sums[-2], sums[-1]
    ak = (we / w.clamp_min(1e-12)).clamp(0, alpha)
    if len(we) == 4:
        ak = torch.cat([ak[:3], torch.full_like(ak[3:], alpha)])
    after = wee - 2 * (ak * we).sum(0) + (ak * ak).sum(0) * w
    return before - after


def boxes(m: torch.Tensor, longest: float, alpha: float, count: int, gen) -> torch.Tensor:
    """The ``count`` best axis-aligned rectangles on a grid of pixel edges, sides at most
    ``longest`` pixels, as (count, 4) corners x0, y0, x1, y1 in pixels. ``m`` (C + 3, H, W) are
    the ``moments``. The grid is every pixel where that
    makes at most ``BOXES`` rectangles, else coarser, at an offset drawn from ``gen``."""
    _, h, w = m.shape
    step = 1
    while len(spans(h, step, longest, 0)) * len(spans(w, step, longest, 0)) > BOXES:
        step += 1
    shift = torch.randint(step, (2,), generator=gen, device="cpu").tolist()
    ys, xs = spans(h, step, longest, shift[1]), spans(w, step, longest, shift[0])
    table = torch.zeros(len(m), h + 1, w + 1, dtype=m.dtype, device=m.device)
    table[:, 1:, 1:] = m.cumsum(1).cumsum(2)
    ys, xs = ys.to(m.device), xs.to(m.device)
    rows = table[:, ys[:, 1]] - table[:, ys[:, 0]]
    score = gains(rows[:, :, xs[:, 1]] - rows[:, :, xs[:, 0]], alpha).flatten()
    best = torch.topk(score, min(count, len(score))).indices
    y, x = ys[best // len(xs)], xs[best % len(xs)]
    return torch.stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]], dim=1).to(m.dtype)


def spans(n: int, step: int, longest: float, shift: int) -> torch.Tensor:
    """(S, 2) pairs of edges lo < hi on a grid of ``step`` pixels from ``shift`` (and the two
    ends) of a side of ``n`` pixels, at most ``longest`` apart (one step at least)."""
    edges = torch.cat([torch.arange(shift, n, step, device="cpu"), torch.tensor([0, n], device="cpu")]).unique()
    lo, hi = torch.triu_indices(len(edges), len(edges), 1, device="cpu")
    keep = edges[hi] - edges[lo] <= max(longest, step)
    return torch.stack([edges[lo[keep]], edges[hi[keep]]], dim=1)


def stamps(kind: str, m: torch.Tensor, radius: float, reach: float, alpha: float, count: int, gen, least: float):
    """The ``count`` best of ``STAMPS`` random shapes of ``kind`` (sizes about ``radius``, within
    ``reach`` of their centre, at least ``least`` across, all in pixels), each tried at every
    pixel centre, as (count, P) parameters in pixels. ``m`` (C + 3, H, W) are the ``moments``."""
    shape = resolve_kind(kind)
    centre = torch.zeros(STAMPS, 2, dtype=torch.float32, device="cpu")
    proto = shape.init(centre, sizes_about(radius, STAMPS, gen), gen).to(m.device, m.dtype)
    lo = torch.full((STAMPS, 2), -reach, dtype=proto.dtype, device=m.device)
    shape.constrain(proto, lo, -lo, least)
    extent = math.ceil(shape.bbox(proto).abs().max().item())
    offsets = torch.arange(-extent, extent + 1, dtype=m.dtype, device=m.device)
    masks = (shape.sdf(proto, offsets[None, None, :], offsets[None, :, None]) <= 0).to(m.dtype)
    _, h, w = m.shape
    score = gains(stamped(m, masks).movedim(1, 0), alpha).flatten()
    best = torch.topk(score, min(count, len(score))).indices
    pixel = best % (h * w)
    centres = torch.stack([pixel % w, pixel // w], dim=1).to(m.dtype) + 0.5
    return translated(kind, proto[best // (h * w)], centres)


def stamped(m: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Sums of ``m`` (C, H, W) over each of ``masks`` (S, 2E + 1, 2E + 1) centred on every pixel,
    nothing counted outside the picture, by FFT: (S, C, H, W), where
    out[s, :, i, j] = Σ over dy, dx in -E..E of masks[s, E + dy, E + dx] · m[:, i + dy, j + dx]."""
    (_, h, w), extent = m.shape, masks.shape[-1] // 2
    # Zeros of the masks' reach on both sides keep the circular correlation from wrapping around.
    size = (h + 2 * extent + 1, w + 2 * extent + 1)
    offsets = torch.arange(-extent, extent + 1, device=m.device)
    kernel = torch.zeros(len(masks), *size, dtype=m.dtype, device=m.device)
    kernel[:, (offsets % size[0])[:, None], (offsets % size[1])[None, :]] = masks
    spectrum = torch.fft.rfft2(m, s=size)[None] * torch.fft.rfft2(kernel)[:, None].conj()
    return torch.fft.irfft2(spectrum, s=size)[..., :h, :w]
