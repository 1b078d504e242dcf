"""Rectangle at any angle: centre, half-width, half-height and a rotation in radians."""

import torch

from .base import degrees, keep_inside, local, rotated_init, unturn


def corners(p):
    """(K, 4, 2) corners, in order round the outline."""
    cos, sin = torch.cos(p[:, 4]), torch.sin(p[:, 4])
    u = torch.stack([cos, sin], 1) * p[:, 2:3].abs()  # half-width along the rotated x axis
    v = torch.stack([-sin, cos], 1) * p[:, 3:4].abs()
    c = p[:, None, :2]
    return torch.stack([c[:, 0] - u - v, c[:, 0] + u - v, c[:, 0] + u + v, c[:, 0] - u + v], 1)


class RotatedRect:
    name = "rotated-rect"
    params = ("cx", "cy", "hw", "hh", "angle")

    init = staticmethod(rotated_init)

    @staticmethod
    def sdf(p, x, y):
        u, v = local(p, x, y)
        # As for rect: exact inside and along the sides, below the true distance off the corners.
        return torch.maximum(u.abs() - p[:, 2, None, None].abs(), v.abs() - p[:, 3, None, None].abs())

    @staticmethod
    def constrain(p, lo, hi, min_size):
        half = min_size / 2
        cos, sin = unturn(p)
        r = p[:, 2:4].abs().clamp_min(half) - half
        least = (half * (cos + sin))[:, None].expand(-1, 2)
        extra = torch.stack([r[:, 0] * cos + r[:, 1] * sin, r[:, 0] * sin + r[:, 1] * cos], 1)
        c = p[:, :2].clone()
        g = keep_inside(c, lo, hi, least, extra)
        p[:, :2], p[:, 2:4] = c, half + g * r

    @staticmethod
    def bbox(p):
        v = corners(p)
        return torch.cat([v.amin(dim=1), v.amax(dim=1)], dim=1)

    @staticmethod
    def svg(p, fmt):
        # A rect turned about its centre, so that design tools edit it as a rectangle.
        cx, cy, hw, hh = p[0], p[1], abs(p[2]), abs(p[3])
        return "rect", {
            "x": fmt(cx - hw),
            "y": fmt(cy - hh),
            "width": fmt(2 * hw),
            "height": fmt(2 * hh),
            "transform": f"rotate({degrees(p[4])} {fmt(cx)} {fmt(cy)})",
        }
