"""Triangle: three free vertices."""

import math

import torch

from .base import path_data, uniform


class Triangle:
    name = "triangle"
    params = ("x0", "y0", "x1", "y1", "x2", "y2")

    @staticmethod
    def init(centre, scale, gen):
        k = centre.shape[0]
        # A jittered equilateral triangle at a random angle: never degenerate at the start.
        base = uniform(k, 0, 2 * math.pi, gen, centre)
        angles = base[:, None] + torch.tensor([0.0, 2.0, 4.0], dtype=centre.dtype, device=centre.device) * math.pi / 3
        angles = angles + (uniform(3 * k, -0.5, 0.5, gen, centre)).view(k, 3)
        radius = scale[:, None] * uniform(3 * k, 0.6, 1.2, gen, centre).view(k, 3)
        xs = centre[:, 0:1] + radius * torch.cos(angles)
        ys = centre[:, 1:2] + radius * torch.sin(angles)
        return torch.stack([xs, ys], dim=2).reshape(k, 6)

    @staticmethod
    def sdf(p, x, y):
        v = p.view(-1, 3, 2)
        a, b = v, v.roll(-1, dims=1)
        e = b - a
        cross = e[:, 0, 0] * e[:, 1, 1] - e[:, 0, 1] * e[:, 1, 0]
        sign = torch.where(cross >= 0, 1.0, -1.0).to(cross.dtype)  # two numbers alone take torch's default
        # Outward unit normals whichever way round the vertices go.
        n = torch.stack([e[..., 1], -e[..., 0]], dim=-1) * sign[:, None, None]
        n = n / n.norm(dim=-1, keepdim=True).clamp_min(1e-9)
        off = (n * a).sum(-1)
        # Max of the three half-plane distances: exact inside and along edges, which is all the
        # soft edge and the sign test of the hard renderer need.
        if torch.is_grad_enabled() and (n.requires_grad or off.requires_grad):
            return _Planes.apply(n, off, x, y)
        return _planes(n, off, x, y)

    @staticmethod
    def constrain(p, lo, hi, min_size):
        v = p.view(-1, 3, 2)
        c = v.mean(dim=1, keepdim=True)
        r = v - c
        dist = r.norm(dim=-1, keepdim=True)
        # Vertices that collapse onto the centroid are pushed back out, which keeps the triangle
        # from vanishing into a sliver of no pixels.
        v.copy_(c + r * (min_size / dist.clamp_min(1e-9)).clamp_min(1.0))
        v.copy_(torch.maximum(torch.minimum(v, hi[:, None]), lo[:, None]))

    @staticmethod
    def bbox(p):
        v = p.view(-1, 3, 2)
        return torch.cat([v.amin(dim=1), v.amax(dim=1)], dim=1)

    @staticmethod
    def svg(p, fmt):
        return "path", {"d": "M" + path_data([fmt(v) for v in p[:6]]) + "z"}


def _planes(n, off, x, y, masks: bool = False):
    """The largest of the three half-plane distances x * n_x + y * n_y - off, (K, Y, X); with
    ``masks``, also where the second and where the third are the largest (for the backward)."""
    # The three planes in one (K, 3, Y, X) tensor, a handful of operations whatever their count.
    # The offset joins the x term (one row) first, so that only one sum is picture-sized.
    n, off = n[:, :, :, None, None], off[:, :, None, None]
    d = (x[:, None] * n[:, :, 0] - off) + y[:, None] * n[:, :, 1]
    first_two = torch.maximum(d[:, 0], d[:, 1])
    largest = torch.maximum(first_two, d[:, 2])
    return (largest, d[:, 1] > d[:, 0], d[:, 2] > first_two) if masks else largest


def _per_plane(g, t):
    """(K, 3) sums of g * t over each shape's points, plane by plane: g is (K, 3, Y, X) and t
    broadcasts against one plane (K, Y, X). g is summed over the axes along which t is constant
    first, so no picture-sized product is made."""
    t = t[:, None]
    flat = tuple(i for i in range(2, g.dim()) if t.shape[i] == 1 and g.shape[i] > 1)
    return (g.sum(flat, keepdim=True) * t).flatten(2).sum(2) if flat else (g * t).flatten(2).sum(2)


class _Planes(torch.autograd.Function):
    """``_planes`` with a backward written out: the gradient of a maximum goes to the plane that
    is largest, and each plane's gradient is three sums of the pixels it wins. Autograd's own
    two ``torch.maximum`` backwards alone took 16% of a 256-triangle conversion."""

    @staticmethod
    def forward(ctx, n, off, x, y):
        d, second, third = _planes(n, off, x, y, masks=True)
        ctx.save_for_backward(x, y, second, third)
        return d

    @staticmethod
    def backward(ctx, grad):
        x, y, second, third = ctx.saved_tensors
        g2 = grad * third
        g1 = grad * (second & ~third)
        g = torch.stack([grad - g1 - g2, g1, g2], dim=1)
        gn = torch.stack([_per_plane(g, x), _per_plane(g, y)], dim=2)
        goff = -g.flatten(2).sum(2)
        return gn, goff, None, None
