"""Ellipse at any angle: centre, two radii and a rotation in radians."""

import torch

from .base import degrees, keep_inside, local, rotated_init, unturn
from .ellipse import ellipse_distance


class RotatedEllipse:
    name = "rotated-ellipse"
    params = ("cx", "cy", "rx", "ry", "angle")
    sweep = "stamps"

    init = staticmethod(rotated_init)

    @staticmethod
    def sdf(p, x, y):
        u, v = local(p, x, y)
        return ellipse_distance(
            u, v, p[:, 2, None, None].abs().clamp_min(1e-9), p[:, 3, None, None].abs().clamp_min(1e-9)
        )

    @staticmethod
    def constrain(p, lo, hi, min_size):
        half = min_size / 2
        cos, sin = unturn(p)
        r = p[:, 2:4].abs().clamp_min(half) - half
        # Shrinking both radii towards a circle of radius half by g moves the extent by at most
        # g times the full shape's reach beyond that circle (triangle inequality).
        extra = torch.stack([torch.hypot(r[:, 0] * cos, r[:, 1] * sin), torch.hypot(r[:, 0] * sin, r[:, 1] * cos)], 1)
        c = p[:, :2].clone()
        g = keep_inside(c, lo, hi, torch.full_like(c, half), extra)
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
        return "ellipse", {
            "cx": cx,
            "cy": cy,
            "rx": fmt(abs(p[2])),
            "ry": fmt(abs(p[3])),
            "transform": f"rotate({degrees(p[4])} {cx} {cy})",
        }
