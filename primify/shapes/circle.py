"""Circle: centre and radius."""

import torch


class Circle:
    name = "circle"
    params = ("cx", "cy", "r")
    sweep = "stamps"

    @staticmethod
    def init(centre, scale, gen):
        return torch.cat([centre, scale[:, None] * 0.8], dim=1)

    @staticmethod
    def sdf(p, x, y):
        cx, cy, r = (p[:, i, None, None] for i in range(3))
        return torch.sqrt((x - cx) ** 2 + (y - cy) ** 2 + 1e-12) - r

    @staticmethod
    def constrain(p, lo, hi, min_size):
        half = min_size / 2
        p[:, :2] = torch.maximum(torch.minimum(p[:, :2], hi - half), lo + half)
        room = torch.minimum(p[:, :2] - lo, hi - p[:, :2]).amin(dim=1)
        p[:, 2] = torch.minimum(p[:, 2], room).clamp_min(half)

    @staticmethod
    def bbox(p):
        c, r = p[:, :2], p[:, 2:3]
        return torch.cat([c - r, c + r], dim=1)

    @staticmethod
    def svg(p, fmt):
        return "circle", {"cx": fmt(p[0]), "cy": fmt(p[1]), "r": fmt(p[2])}
