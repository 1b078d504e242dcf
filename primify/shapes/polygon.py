"""Polygon: N corners at equally spaced angles round a centre, each at its own radius.

``polygon`` has four corners; ``polygon:N`` (3 to 16) has N. With four (or three) any
positive radii give a convex polygon, since neighbouring corners lie on rays at least a right
angle apart. With more it stays star-shaped, so simple, but may turn concave; the signed
distance below is exact for any simple polygon either way. The corner count is read from the
parameters, so every function but ``init`` serves every N.
"""

import math

import torch

from .base import path_data, uniform


def corners(p):
    """(K, N) x and y of the corners, in order round the outline."""
    n = p.shape[1] - 3
    angle = p[:, 2:3] + torch.arange(n, device=p.device, dtype=p.dtype) * (2 * math.pi / n)
    r = p[:, 3:].abs()
    return p[:, 0:1] + r * torch.cos(angle), p[:, 1:2] + r * torch.sin(angle)


class Polygon:
    name = "polygon"
    params = ("cx", "cy", "angle") + tuple(f"r{i}" for i in range(4))

    @classmethod
    def init(cls, centre, scale, gen):
        k, n = centre.shape[0], len(cls.params) - 3
        angle = uniform(k, 0, 2 * math.pi / n, gen, centre)[:, None]
        radii = scale[:, None] * uniform(n * k, 0.6, 1.1, gen, centre).view(k, n)
        return torch.cat([centre, angle, radii], dim=1)

    @classmethod
    def variant(cls, n: int):
        """The kind with ``n`` corners, named ``polygon:n``; for 4, ``polygon`` itself (one kind,
        one name in files and counts)."""
        if not 3 <= n <= 16:
            raise ValueError("a polygon has 3 to 16 corners")
        if n == len(cls.params) - 3:
            return cls
        return type(
            "Polygon",
            (cls,),
            {"name": f"polygon:{n}", "params": ("cx", "cy", "angle") + tuple(f"r{i}" for i in range(n))},
        )

    @staticmethod
    def sdf(p, x, y):
        vx, vy = corners(p)
        vx, vy = vx[:, :, None, None], vy[:, :, None, None]
        d2, inside = None, None
        # Distance to the nearest edge, and the sign from the even-odd crossing rule (Inigo
        # Quilez's sdPolygon): a loop over the few edges, never over pixels.
        for i in range(vx.shape[1]):
            j = i - 1
            ex, ey = vx[:, j] - vx[:, i], vy[:, j] - vy[:, i]
            wx, wy = x - vx[:, i], y - vy[:, i]
            t = ((wx * ex + wy * ey) / (ex * ex + ey * ey).clamp_min(1e-12)).clamp(0, 1)
            e2 = (wx - ex * t) ** 2 + (wy - ey * t) ** 2
            above, below, left = y >= vy[:, i], y < vy[:, j], ex * wy > ey * wx
            cross = (above & below & left) | ~(above | below | left)
            d2 = e2 if d2 is None else torch.minimum(d2, e2)
            inside = cross if inside is None else inside ^ cross
        d = torch.sqrt(d2 + 1e-12)
        return torch.where(inside, -d, d)

    @staticmethod
    def constrain(p, lo, hi, min_size):
        n = p.shape[1] - 3
        # Corners at least this far out hold a regular polygon whose narrowest width is min_size.
        least = min_size / 2 / math.cos(math.pi / n)
        p[:, 2] = torch.remainder(p[:, 2] + math.pi, 2 * math.pi) - math.pi
        p[:, :2] = torch.maximum(torch.minimum(p[:, :2], hi - least), lo + least)
        angle = p[:, 2:3] + torch.arange(n, device=p.device, dtype=p.dtype) * (2 * math.pi / n)
        # Each corner may reach the box along its own ray; with the centre that far inside, the
        # reach is never less than the least radius, so the clamps below never fight.
        reach = None
        for i, d in enumerate((torch.cos(angle), torch.sin(angle))):
            room = torch.where(d > 0, hi[:, i : i + 1] - p[:, i : i + 1], p[:, i : i + 1] - lo[:, i : i + 1])
            r = room / d.abs().clamp_min(1e-9)
            reach = r if reach is None else torch.minimum(reach, r)
        # A box narrower than the least polygon leaves the centre outside it: no room, radii of 0.
        p[:, 3:] = torch.minimum(p[:, 3:].abs().clamp_min(least), reach).clamp_min(0)

    @staticmethod
    def bbox(p):
        vx, vy = corners(p)
        return torch.stack([vx.amin(1), vy.amin(1), vx.amax(1), vy.amax(1)], dim=1)

    @staticmethod
    def svg(p, fmt):
        vx, vy = corners(torch.tensor([p], dtype=torch.float64, device="cpu"))
        xy = torch.stack([vx[0], vy[0]], 1).flatten().tolist()
        return "path", {"d": "M" + path_data([fmt(v) for v in xy]) + "z"}
