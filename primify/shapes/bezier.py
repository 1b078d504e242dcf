"""Bézier: a quadratic curve stroked with a width, with round caps."""

import math

import torch

from .base import path_data, uniform


def nearest_t(a, b, d):
    """The curve parameter of the point of A + 2·a·t + b·t² (t in [0, 1]) nearest each point,
    where d = A − point; components are (x, y) pairs. No gradients.

    Candidates are the roots of the cubic (P − point)·P' = 0 in Inigo Quilez's closed form
    (iquilezles.org/articles/distfunctions2d), the projection onto the chord (which the closed
    form loses when the curve is nearly straight and |b| nearly zero) and both ends; each is
    polished by a Newton step, for float32's sake, and the nearest wins.
    """
    ax, ay = a
    bx, by = b
    dx, dy = d
    kk = 1 / (bx * bx + by * by).clamp_min(1e-20)
    kx = kk * (ax * bx + ay * by)
    ky = kk * (2 * (ax * ax + ay * ay) + dx * bx + dy * by) / 3
    kz = kk * (dx * ax + dy * ay)
    p = ky - kx * kx
    q = kx * (2 * kx * kx - 3 * ky) + kz
    h = q * q + 4 * p**3
    sq = h.clamp_min(0).sqrt()
    cbrt = lambda v: v.sign() * v.abs().pow(1 / 3)
    one = cbrt((sq - q) / 2) + cbrt((-sq - q) / 2) - kx
    z = (-p).clamp_min(0).sqrt()
    v = torch.acos((q / (2 * p * z).clamp(max=-1e-30)).clamp(-1, 1)) / 3
    m, n = torch.cos(v), torch.sin(v) * math.sqrt(3)
    two = (2 * m * z - kx, (-n - m) * z - kx)
    cx, cy = 2 * ax + bx, 2 * ay + by
    chord = -(dx * cx + dy * cy) / (cx * cx + cy * cy).clamp_min(1e-20)
    cands = [torch.where(h >= 0, one, two[0]), torch.where(h >= 0, one, two[1]), chord]
    best_t, best = None, None
    for t in cands + [torch.zeros_like(chord), torch.ones_like(chord)]:
        t = t.nan_to_num(0.5).clamp(0, 1)
        px, py = dx + (2 * ax + bx * t) * t, dy + (2 * ay + by * t) * t
        gx, gy = 2 * (ax + bx * t), 2 * (ay + by * t)
        slope = gx * gx + gy * gy + 2 * (px * bx + py * by)
        t = torch.where(slope > 0, t - (px * gx + py * gy) / slope.clamp_min(1e-30), t).clamp(0, 1)
        dist = (dx + (2 * ax + bx * t) * t) ** 2 + (dy + (2 * ay + by * t) * t) ** 2
        if best is None:
            best_t, best = t, dist
        else:
            better = dist < best
            best_t, best = torch.where(better, t, best_t), torch.where(better, dist, best)
    return best_t


class Bezier:
    name = "bezier"
    params = ("x0", "y0", "cx", "cy", "x1", "y1", "width")
    paint = "stroke"

    @staticmethod
    def init(centre, scale, gen):
        k = centre.shape[0]
        angle = uniform(k, 0, math.pi, gen, centre)
        along = torch.stack([torch.cos(angle), torch.sin(angle)], 1)
        across = torch.stack([-along[:, 1], along[:, 0]], 1)
        half = (scale * uniform(k, 0.6, 1.2, gen, centre))[:, None] * along
        width = scale * uniform(k, 0.15, 0.4, gen, centre)
        # A gentle bend to start: the curve's apex strays half as far from the chord as the
        # control point, so it stays within half a width and the stroke has no hole.
        bend = (width * uniform(k, -1.0, 1.0, gen, centre))[:, None] * across
        return torch.cat([centre - half, centre + bend, centre + half, width[:, None]], dim=1)

    @staticmethod
    def sdf(p, x, y):
        x0, y0, cx, cy, x1, y1, w = (p[:, i, None, None] for i in range(7))
        ax, ay, bx, by = cx - x0, cy - y0, x0 - 2 * cx + x1, y0 - 2 * cy + y1
        dx, dy = x0 - x, y0 - y
        with torch.no_grad():
            t = nearest_t((ax, ay), (bx, by), (dx, dy))
        # The distance is stationary in t at the nearest point, so a fixed t gives the true gradients.
        ex, ey = dx + (2 * ax + bx * t) * t, dy + (2 * ay + by * t) * t
        return torch.sqrt(ex * ex + ey * ey + 1e-12) - w.abs() / 2

    @staticmethod
    def constrain(p, lo, hi, min_size):
        w = p[:, 6:7].abs().clamp_min(min_size)
        w = torch.minimum(w, (hi - lo).amin(dim=1, keepdim=True))
        # The curve stays in the triangle of its three points, so keeping those in keeps it in.
        lo_, hi_ = lo + w / 2, hi - w / 2
        for i in (0, 2, 4):
            p[:, i : i + 2] = torch.maximum(torch.minimum(p[:, i : i + 2], hi_), lo_)
        # A control point past either end along the chord makes the curve double back on
        # itself, which Cairo (librsvg, Inkscape) strokes as little more than its caps, and one
        # just beside an end gives a tiny last piece that turns sharply, which trips it too: slide
        # it along the chord to the middle 80% between the ends, where the curve runs one way.
        a, chord = p[:, 0:2], p[:, 4:6] - p[:, 0:2]
        along = ((p[:, 2:4] - a) * chord).sum(1, keepdim=True) / (chord * chord).sum(1, keepdim=True).clamp_min(1e-12)
        p[:, 2:4] = torch.maximum(torch.minimum(p[:, 2:4] + (along.clamp(0.1, 0.9) - along) * chord, hi_), lo_)
        p[:, 6:7] = w

    @staticmethod
    def bbox(p):
        a, c, b = p[:, 0:2], p[:, 2:4], p[:, 4:6]
        bend = a - 2 * c + b
        # Each coordinate's turning point, where its derivative 2(c − a) + 2·bend·t vanishes.
        t = torch.where(bend.abs() > 1e-12, (a - c) / torch.where(bend.abs() > 1e-12, bend, 1), 0).clamp(0, 1)
        turn = a + 2 * (c - a) * t + bend * t * t
        r = p[:, 6:7].abs() / 2
        lo = torch.minimum(torch.minimum(a, b), turn) - r
        hi = torch.maximum(torch.maximum(a, b), turn) + r
        return torch.cat([lo, hi], dim=1)

    @staticmethod
    def svg(p, fmt):
        d = "M" + path_data([fmt(v) for v in p[:2]]) + "Q" + path_data([fmt(v) for v in p[2:6]])
        return "path", {"d": d, "stroke-width": fmt(abs(p[6])), "stroke-linecap": "round"}
