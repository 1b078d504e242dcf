"""Rectangle, axis-aligned: two opposite corners."""

import torch

from .base import half_sizes


class Rect:
    name = "rect"
    params = ("x0", "y0", "x1", "y1")
    sweep = "boxes"

    @staticmethod
    def init(centre, scale, gen):
        half = half_sizes(centre, scale, gen)
        return torch.cat([centre - half, centre + half], dim=1)

    @staticmethod
    def sdf(p, x, y):
        x0, y0, x1, y1 = (p[:, i, None, None] for i in range(4))
        cx, cy, hx, hy = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0).abs() / 2, (y1 - y0).abs() / 2
        return torch.maximum((x - cx).abs() - hx, (y - cy).abs() - hy)

    @staticmethod
    def constrain(p, lo, hi, min_size):
        a, b = torch.minimum(p[:, :2], p[:, 2:]), torch.maximum(p[:, :2], p[:, 2:])
        a = torch.maximum(torch.minimum(a, hi - min_size), lo)
        b = torch.minimum(torch.maximum(b, a + min_size), hi)
        p.copy_(torch.cat([a, b], dim=1))

    @staticmethod
    def bbox(p):
        return torch.cat([torch.minimum(p[:, :2], p[:, 2:]), torch.maximum(p[:, :2], p[:, 2:])], dim=1)

    @staticmethod
    def svg(p, fmt):
        x0, x1 = sorted((p[0], p[2]))
        y0, y1 = sorted((p[1], p[3]))
        return "rect", {"x": fmt(x0), "y": fmt(y0), "width": fmt(x1 - x0), "height": fmt(y1 - y0)}
