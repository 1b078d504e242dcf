"""Polygon: ``VERTICES`` corners at equally spaced angles round a centre, each at its own radius.

With four (or three) vertices any positive radii give a convex polygon, since neighbouring
corners lie on rays at least a right angle apart. With more it stays star-shaped, so simple,
but may turn concave; the signed distance below is exact for any simple polygon either way.
"""

import math

import torch

from .base import uniform

#: Number of corners; fixed for now.
VERTICES = 4


def corners(p):
    """(K, VERTICES) x and y of the corners, in order round the outline."""
    n = VERTICES
    angle = p[:, 2:3] + torch.arange(n, device=p.device, dtype=p.dtype) * (2 * math.pi / n)
    r = p[:, 3:].abs()
    return p[:, 0:1] + r * torch.cos(angle), p[:, 1:2] + r * torch.sin(angle)


class Polygon:
    name = "polygon"
    params = ("cx", "cy", "angle") + tuple(f"r{i}" for i in range(VERTICES))

    @staticmethod
    def init(centre, scale, gen):
        k = centre.shape[0]
        angle = uniform(k, 0, 2 * math.pi / VERTICES, gen, centre)[:, None]
        radii = scale[:, None] * uniform(VERTICES * k, 0.6, 1.1, gen, centre).view(k, VERTICES)
        return torch.cat([centre, angle, radii], dim=1)

    @staticmethod
    def sdf(p, x, y):
        vx, vy = corners(p)
        vx, vy = vx[:, :, None, None], vy[:, :, None, None]
        d2, inside = None, None
        # Distance to the nearest edge, and the sign from the even-odd crossing rule (Inigo
        # Quilez's sdPolygon): a loop over the few edges, never over pixels.
        for i in range(VERTICES):
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
        # Corners at least this far out hold a regular polygon whose narrowest width is min_size.
        least = min_size / 2 / math.cos(math.pi / VERTICES)
        p[:, 2] = torch.remainder(p[:, 2] + math.pi, 2 * math.pi) - math.pi
        p[:, :2] = torch.maximum(torch.minimum(p[:, :2], hi - least), lo + least)
        angle = p[:, 2:3] + torch.arange(VERTICES, device=p.device, dtype=p.dtype) * (2 * math.pi / VERTICES)
        # Each corner may reach the box along its own ray; with the centre that far inside, the
        # reach is never less than the least radius, so the clamps below never fight.
        reach = None
        for i, d in enumerate((torch.cos(angle), torch.sin(angle))):
            room = torch.where(d > 0, hi[:, i:i + 1] - p[:, i:i + 1], p[:, i:i + 1] - lo[:, i:i + 1])
            r = room / d.abs().clamp_min(1e-9)
            reach = r if reach is None else torch.minimum(reach, r)
        p[:, 3:] = torch.minimum(p[:, 3:].abs().clamp_min(least), reach)

    @staticmethod
    def bbox(p):
        vx, vy = corners(p)
        return torch.stack([vx.amin(1), vy.amin(1), vx.amax(1), vy.amax(1)], dim=1)

    @staticmethod
    def svg(p, fmt):
        vx, vy = corners(torch.tensor([p], dtype=torch.float64))
        return "polygon", {"points": " ".join(f"{fmt(a)},{fmt(b)}" for a, b in zip(vx[0].tolist(), vy[0].tolist()))}
