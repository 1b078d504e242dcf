"""Line: a straight stroke between two end points, with round caps (a capsule)."""

import math

import torch

from .base import uniform


class Line:
    name = "line"
    params = ("x0", "y0", "x1", "y1", "width")
    paint = "stroke"

    @staticmethod
    def init(centre, scale, gen):
        k = centre.shape[0]
        angle = uniform(k, 0, math.pi, gen, centre)
        half = (scale * uniform(k, 0.6, 1.2, gen, centre))[:, None] * torch.stack(
            [torch.cos(angle), torch.sin(angle)], 1
        )
        width = scale * uniform(k, 0.15, 0.4, gen, centre)
        return torch.cat([centre - half, centre + half, width[:, None]], dim=1)

    @staticmethod
    def sdf(p, x, y):
        x0, y0, x1, y1, w = (p[:, i, None, None] for i in range(5))
        ex, ey = x1 - x0, y1 - y0
        wx, wy = x - x0, y - y0
        t = ((wx * ex + wy * ey) / (ex * ex + ey * ey).clamp_min(1e-12)).clamp(0, 1)
        return torch.sqrt((wx - ex * t) ** 2 + (wy - ey * t) ** 2 + 1e-12) - w.abs() / 2

    @staticmethod
    def constrain(p, lo, hi, min_size):
        w = p[:, 4:5].abs().clamp_min(min_size)
        w = torch.minimum(w, (hi - lo).amin(dim=1, keepdim=True))
        lo_, hi_ = lo + w / 2, hi - w / 2
        for i in (0, 2):
            p[:, i : i + 2] = torch.maximum(torch.minimum(p[:, i : i + 2], hi_), lo_)
        p[:, 4:5] = w

    @staticmethod
    def bbox(p):
        r = p[:, 4:5].abs() / 2
        return torch.cat([torch.minimum(p[:, :2], p[:, 2:4]) - r, torch.maximum(p[:, :2], p[:, 2:4]) + r], dim=1)

    @staticmethod
    def svg(p, fmt):
        return "line", {
            "x1": fmt(p[0]),
            "y1": fmt(p[1]),
            "x2": fmt(p[2]),
            "y2": fmt(p[3]),
            "stroke-width": fmt(abs(p[4])),
            "stroke-linecap": "round",
        }
