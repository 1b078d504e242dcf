"""Slow, obviously correct versions of the fast paths, for tests to compare against."""

import torch


def composite_naive(background, coverage, colour, alpha):
    """Painter's order, one shape at a time: background (3, Y, X), coverage (K, Y, X)."""
    out = background
    for k in range(coverage.shape[0]):
        u = alpha[k] * coverage[k]
        out = out * (1 - u) + colour[k, :, None, None] * u
    return out


def coverage_naive(sdf, p, x, y, pixel, samples):
    """Supersamples every pixel, with no shortcut for pixels far from the edge."""
    offsets = ((torch.arange(samples, dtype=x.dtype) + 0.5) / samples - 0.5) * pixel
    k = p.shape[0]
    xs = (x[:, 0, :, None] + offsets).reshape(k, 1, -1)
    ys = (y[:, :, 0, None] + offsets).reshape(k, -1, 1)
    inside = (sdf(p, xs, ys) < 0).to(x.dtype)
    return torch.nn.functional.avg_pool2d(inside, samples)


def triangle_sdf_naive(p, x, y):
    """Max of the three half-plane distances, one edge at a time, for autograd to differentiate."""
    best = None
    for i in range(3):
        a, b = p[:, 2 * i : 2 * i + 2], p[:, (2 * i + 2) % 6 : (2 * i + 2) % 6 + 2]
        e = b - a
        area = (p[:, 2] - p[:, 0]) * (p[:, 5] - p[:, 1]) - (p[:, 3] - p[:, 1]) * (p[:, 4] - p[:, 0])
        n = torch.stack([e[:, 1], -e[:, 0]], dim=1) * torch.where(area >= 0, 1.0, -1.0)[:, None]
        n = n / n.norm(dim=1, keepdim=True)
        d = (x - a[:, 0, None, None]) * n[:, 0, None, None] + (y - a[:, 1, None, None]) * n[:, 1, None, None]
        best = d if best is None else torch.maximum(best, d)
    return best


def gain_naive(target, weight, canvas, mask, alpha):
    """The error that painting ``mask`` (H, W) of 0 and 1 at opacity ``alpha`` removes, in the
    colour that removes the most: each channel's by weighted least squares over the covered
    pixels (numpy), clipped to [0, 1]; over nothing (4 channels, premultiplied) the fourth is 1."""
    import numpy as np

    covered = mask.bool().numpy()
    root = weight.numpy()[covered] ** 0.5
    colour = []
    for c in range(3):
        left = target[c].numpy()[covered] - (1 - alpha) * canvas[c].numpy()[covered]
        k = np.linalg.lstsq((root * alpha)[:, None], root * left, rcond=None)[0][0]
        colour.append(min(1.0, max(0.0, k)))
    colour = torch.tensor(colour + [1.0] * (len(target) - 3), dtype=target.dtype)
    painted = canvas * (1 - alpha * mask) + colour[:, None, None] * alpha * mask
    error = lambda img: (weight * (img - target) ** 2).sum()
    return error(canvas) - error(painted)
