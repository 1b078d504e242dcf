"""Where and how big new shapes start: coarse to fine, where the error is largest."""

import math

import torch


def shape_scale(placed: int, longer: int) -> float:
    """Starting radius, in pixels, for shapes placed after ``placed`` others.

    Big shapes first: about half the canvas for the first ones, shrinking so that the n-th
    shape covers roughly 1/n of the picture, as a painter blocks in before detailing.
    """
    return max(1.5, 0.5 * longer * math.sqrt(2.0 / (placed + 2.0)))


def batch_size(placed: int, remaining: int, largest: int, growth: float = 0.25) -> int:
    """How many shapes to add together next: few while they are big and overlap a lot, more as
    they shrink and become independent (at most ``growth`` times the shapes placed so far)."""
    return max(1, min(remaining, largest, max(4, int(placed * growth))))


def sizes_about(radius: float, count: int, gen: torch.Generator) -> torch.Tensor:
    """``count`` random sizes, 0.37 to 1.22 times ``radius``, so that selection, not the schedule
    alone, picks a new shape's size. (count,) float32 on the CPU whatever torch's defaults, so a
    seed draws the same sizes everywhere."""
    draws = torch.empty(count, dtype=torch.float32, device="cpu").uniform_(-1.0, 0.2, generator=gen)
    return radius * torch.exp(draws)


def box_blur(img: torch.Tensor, radius: int) -> torch.Tensor:
    """Mean over a (2r+1)² window, clipped at the borders, in O(H·W) via summed-area tables.

    img (H, W) -> (H, W).
    """
    h, w = img.shape
    sat = torch.zeros(h + 1, w + 1, dtype=torch.float64, device=img.device)
    sat[1:, 1:] = img.double().cumsum(0).cumsum(1)
    ys = torch.arange(h, device=img.device)
    xs = torch.arange(w, device=img.device)
    y0, y1 = (ys - radius).clamp(0, h), (ys + radius + 1).clamp(0, h)
    x0, x1 = (xs - radius).clamp(0, w), (xs + radius + 1).clamp(0, w)
    total = sat[y1][:, x1] - sat[y0][:, x1] - sat[y1][:, x0] + sat[y0][:, x0]
    area = (y1 - y0)[:, None] * (x1 - x0)[None, :]
    return (total / area).to(img.dtype)


def sample_centres(error: torch.Tensor, count: int, radius: float, gen: torch.Generator) -> torch.Tensor:
    """``count`` pixel positions (x, y) drawn with probability proportional to the error summed
    over a shape-sized window, so new shapes go where they can remove the most error.

    error (H, W) -> (count, 2) float pixel coordinates, jittered within their pixel.
    """
    h, w = error.shape
    score = box_blur(error, max(0, int(radius * 0.5))).flatten().clamp_min(0).cpu()
    score = score.square() + 1e-12
    idx = torch.multinomial(score / score.sum(), count, replacement=True, generator=gen)
    # float32 on the CPU whatever torch's defaults are, so a seed gives the same draws everywhere.
    jitter = torch.rand(count, 2, generator=gen, dtype=torch.float32, device="cpu")
    xy = torch.stack([idx % w, idx // w], dim=1).float() + jitter
    return xy.to(error.device)


def spread(centres: torch.Tensor, gains: torch.Tensor, count: int, radius: float) -> torch.Tensor:
    """Indices of up to ``count`` candidates, best gain first, skipping any whose centre lies
    within ``radius`` of one already chosen: shapes of one batch are fitted independently, so
    they should not fight over the same pixels.

    centres (M, 2), gains (M,) -> (<= count,) indices into them.
    """
    order = torch.argsort(gains, descending=True).tolist()
    pts = centres.cpu()
    chosen: list[int] = []
    for i in order:
        if gains[i] <= 0 or len(chosen) == count:
            break
        if not chosen or (pts[chosen] - pts[i]).norm(dim=1).min() >= radius:
            chosen.append(i)
    return torch.tensor(chosen, dtype=torch.long, device="cpu")
