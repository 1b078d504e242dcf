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
