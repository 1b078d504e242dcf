"""Ellipse at any angle: centre, two radii and a rotation in radians."""

import math

import torch

from .base import fit, uniform
from .ellipse import ellipse_distance


class RotatedEllipse:
    name = "rotated-ellipse"
    params = ("cx", "cy", "rx", "ry", "angle")

    @staticmethod
    def init(centre, scale, gen):
        k = centre.shape[0]
        radii = scale[:, None] * uniform(2 * k, 0.4, 1.0, gen, centre).view(k, 2)
        return torch.cat([centre, radii, uniform(k, -math.pi / 2, math.pi / 2, gen, centre)[:, None]], dim=1)

    @staticmethod
    def sdf(p, x, y):
        cx, cy, rx, ry, a = (p[:, i, None, None] for i in range(5))
        cos, sin = torch.cos(a), torch.sin(a)
        dx, dy = x - cx, y - cy
        return ellipse_distance(dx * cos + dy * sin, dy * cos - dx * sin, rx.abs().clamp_min(1e-9),
                                ry.abs().clamp_min(1e-9))

    @staticmethod
    def constrain(p, lo, hi, min_size):
        half = min_size / 2
        # Half a turn is the same ellipse; wrapping keeps the SVG's angle readable.
        p[:, 4] = torch.remainder(p[:, 4] + math.pi / 2, math.pi) - math.pi / 2
        cos, sin = torch.cos(p[:, 4]).abs(), torch.sin(p[:, 4]).abs()
        r = p[:, 2:4].abs().clamp_min(half) - half
        # Shrinking both radii towards a circle of radius half by g moves the extent by at most
        # g times the full shape's reach beyond that circle (triangle inequality).
        extra = torch.stack([torch.hypot(r[:, 0] * cos, r[:, 1] * sin), torch.hypot(r[:, 0] * sin, r[:, 1] * cos)], 1)
        c = p[:, :2].clone()
        g = fit(c, lo, hi, torch.full_like(c, half), extra)
        p[:, :2], p[:, 2:4] = c, half + g * r

    @staticmethod
    def bbox(p):
        cos, sin = torch.cos(p[:, 4]), torch.sin(p[:, 4])
        rx, ry = p[:, 2].abs(), p[:, 3].abs()
        ext = torch.stack([torch.hypot(rx * cos, ry * sin), torch.hypot(rx * sin, ry * cos)], 1)
        return torch.cat([p[:, :2] - ext, p[:, :2] + ext], dim=1)

    @staticmethod
    def svg(p, fmt):
        cx, cy = fmt(p[0]), fmt(p[1])
        # The angle is not a length, so it is written in degrees rather than through fmt.
        deg = f"{math.degrees(p[4]):.2f}".rstrip("0").rstrip(".")
        return "ellipse", {"cx": cx, "cy": cy, "rx": fmt(abs(p[2])), "ry": fmt(abs(p[3])),
                           "transform": f"rotate({deg} {cx} {cy})"}
