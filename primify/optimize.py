"""Coarse-to-fine fitting of shapes to a target picture.

The optimizer sees tensors only: a target (3, H, W) in [0, 1], per-pixel weights (H, W), and
the kinds it may use. Each round it adds a batch of shapes: it samples candidates where the
error is largest, keeps the best, refines them with Adam on a soft edge that sharpens to the
anti-aliased hard edge, then paints them into the canvas with the hard renderer that writes
the output. Finished shapes stay frozen in the canvas, so a step costs what the active shapes'
windows hold, not the picture times every shape so far.
"""

import math
import time
from dataclasses import dataclass
from typing import Callable

import torch

from .patches import Patches, around
from .polish import polish
from .placement import batch_size, sample_centres, shape_scale, spread
from .raster import best_colour, hard_coverage, over, soft_coverage
from .scene import SUPERSAMPLE, Shape, paint
from .settings import Settings
from .shapes import KINDS


#: Half the side of a new shape's window, in units of its starting radius: room to move and
#: grow a little. Larger windows cost more per step and did not fit better.
WINDOW = 1.2


@dataclass
class Progress:
    """What a progress callback receives after each batch."""

    placed: int
    total: int
    psnr: float
    seconds: float


@dataclass
class Group:
    """Active shapes of one kind, each with its own window of the canvas and target."""

    kind: str
    params: torch.Tensor  # (K, P)
    colour: torch.Tensor  # (K, 3)
    alpha: torch.Tensor  # (K,)
    win: Patches
    target: torch.Tensor  # (K, 3, Y, X)
    canvas: torch.Tensor  # (K, 3, Y, X)
    weight: torch.Tensor  # (K, 1, Y, X)

    def coverage(self, temperature: float, edge: str) -> torch.Tensor:
        sd = KINDS[self.kind].sdf(self.params, self.win.x, self.win.y)
        return soft_coverage(sd, temperature / self.win.scale, edge)

    def hard(self) -> torch.Tensor:
        return hard_coverage(KINDS[self.kind].sdf, self.params, self.win.x, self.win.y, 1 / self.win.scale,
                             SUPERSAMPLE)

    def gain(self, coverage: torch.Tensor) -> torch.Tensor:
        """(K,) weighted squared error each shape removes from its window (negative: adds)."""
        out = over(self.canvas, coverage, self.colour, self.alpha)
        before = (self.weight * (self.canvas - self.target) ** 2).sum(dim=(1, 2, 3))
        return before - (self.weight * (out - self.target) ** 2).sum(dim=(1, 2, 3))

    def fit_colour(self, coverage: torch.Tensor) -> None:
        self.colour = best_colour(self.canvas, self.target, self.weight, coverage, self.alpha)

    def select(self, idx: torch.Tensor) -> "Group":
        return Group(self.kind, self.params[idx], self.colour[idx], self.alpha[idx], self.win.select(idx),
                     self.target[idx], self.canvas[idx], self.weight[idx])


def candidates(kind: str, target, weight, canvas, error, count, radius, alpha, settings, gen) -> Group:
    """``count`` fresh shapes of ``kind`` of about ``radius`` pixels, placed by error, each with
    its least-squares colour."""
    _, h, w = target.shape
    centres = sample_centres(error, count, radius, gen)
    scale = max(h, w)
    # Sizes vary around ``radius`` so that selection, not the schedule alone, picks the size.
    sizes = radius * torch.exp(torch.empty(count).uniform_(-1.0, 0.2, generator=gen)).to(target.device)
    params = KINDS[kind].init(centres / scale, sizes / scale, gen)
    win = around(centres, WINDOW * radius + 2, h, w)
    KINDS[kind].constrain(params, win.lo, win.hi, settings.min_size / scale)
    g = Group(kind, params, torch.zeros(count, 3, device=target.device),
              torch.full((count,), alpha, device=target.device), win,
              win.gather(target), win.gather(canvas), win.gather(weight[None]))
    g.fit_colour(g.coverage(settings.temperature_end, settings.edge))
    return g


def _optimizer(groups: list[Group], radius: float, settings: Settings) -> torch.optim.Adam:
    for g in groups:
        for name in ("params", "colour", "alpha"):
            setattr(g, name, getattr(g, name).detach().requires_grad_(True))
    param_groups = [{"params": [g.params for g in groups], "lr": settings.lr_geometry * radius / groups[0].win.scale},
                    {"params": [g.colour for g in groups], "lr": settings.lr_colour}]
    if settings.alpha is None:
        param_groups.append({"params": [g.alpha for g in groups], "lr": settings.lr_alpha})
    return torch.optim.Adam(param_groups, betas=(0.8, 0.95))


def _step(groups: list[Group], opt: torch.optim.Adam, temperature: float, settings: Settings) -> None:
    """One Adam step on every active shape, then back onto valid shapes, colours and opacities."""
    opt.zero_grad(set_to_none=True)
    loss = sum(-g.gain(g.coverage(temperature, settings.edge)).sum() for g in groups)
    loss.backward()
    opt.step()
    with torch.no_grad():
        for g in groups:
            KINDS[g.kind].constrain(g.params, g.win.lo, g.win.hi, settings.min_size / g.win.scale)
            g.colour.clamp_(0, 1)
            g.alpha.clamp_(0.05, 1)


def refine(groups: list[Group], radius: float, settings: Settings) -> None:
    """Adam on geometry, colour and (when learned) opacity, annealing the edge temperature from
    soft to the output's sharpness while the learning rate decays."""
    opt = _optimizer(groups, radius, settings)
    base = [pg["lr"] for pg in opt.param_groups]
    t0 = max(settings.temperature_end, settings.temperature_start * radius)
    t1 = settings.temperature_end
    n = settings.steps
    for step in range(n):
        frac = step / max(1, n - 1)
        for pg, lr in zip(opt.param_groups, base):
            pg["lr"] = lr * (1 - 0.8 * frac)
        _step(groups, opt, t0 * (t1 / t0) ** frac, settings)
    for g in groups:
        g.params, g.colour, g.alpha = g.params.detach(), g.colour.detach(), g.alpha.detach()


def step_seconds(target: torch.Tensor, kind: str = "triangle", n_active: int = 256,
                 device: torch.device | str = "cpu", repeats: int = 5) -> float:
    """Median seconds of one optimization step with ``n_active`` shapes of ``kind`` active, at
    the size the schedule gives shapes placed after ``n_active`` others, on a flat canvas.

    For benchmarks: ``target`` is (3, H, W) in [0, 1].
    """
    target = target.to(device)
    settings = Settings(kinds=(kind,))
    gen = torch.Generator().manual_seed(0)
    _, h, w = target.shape
    weight = torch.ones(h, w, device=target.device)
    canvas = target.mean(dim=(1, 2))[:, None, None].expand(3, h, w).clone()
    radius = shape_scale(n_active, max(h, w))
    with torch.no_grad():
        groups = [candidates(kind, target, weight, canvas, (canvas - target).pow(2).sum(0), n_active, radius,
                             settings.alpha_init, settings, gen)]
    opt = _optimizer(groups, radius, settings)
    times = []
    for _ in range(repeats + 1):
        if target.is_cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        _step(groups, opt, settings.temperature_end, settings)
        if target.is_cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return sorted(times[1:])[repeats // 2]


def fit(target: torch.Tensor, weight: torch.Tensor | None, settings: Settings, gen: torch.Generator,
        background: torch.Tensor, progress: Callable[[Progress], None] | None = None) -> list[Shape]:
    """Fits ``settings.shapes`` shapes to ``target`` (3, H, W) over ``background`` (3,).

    ``weight`` (H, W) scales each pixel's error (None: all equal). Returns the shapes in
    painter's order; painting them over the background with ``Scene`` gives the canvas that the
    optimizer scored.
    """
    start = time.perf_counter()
    _, h, w = target.shape
    weight = torch.ones(h, w, device=target.device) if weight is None else weight
    canvas = background[:, None, None].expand(3, h, w).clone()
    alpha = settings.alpha if settings.alpha is not None else settings.alpha_init
    shapes: list[Shape] = []
    misses = 0
    with torch.no_grad():
        while len(shapes) < settings.shapes and misses < 3:
            radius = shape_scale(len(shapes), max(h, w))
            k = batch_size(len(shapes), settings.shapes - len(shapes), settings.max_batch, settings.batch_growth)
            error = (weight * (canvas - target) ** 2).sum(0)
            pool = [candidates(kind, target, weight, canvas, error, k * settings.candidates, radius, alpha,
                               settings, gen) for kind in settings.kinds]
            gains = torch.cat([g.gain(g.coverage(settings.temperature_end, settings.edge)) for g in pool])
            boxes = torch.cat([KINDS[g.kind].bbox(g.params) for g in pool])
            chosen = spread((boxes[:, :2] + boxes[:, 2:]) / 2 * max(h, w), gains, k, radius / 2)
            m = len(pool[0].params)
            groups = [g.select(chosen[chosen // m == i] % m) for i, g in enumerate(pool)]
            groups = [g for g in groups if len(g.params)]
            if not groups:
                misses += 1
                continue
            with torch.enable_grad():
                refine(groups, radius, settings)
            added = 0
            for g in groups:
                cov = g.hard()
                for i in range(len(g.params)):
                    # Re-solved over the canvas as it is now, shapes of this batch included.
                    one = g.select(torch.tensor([i]))
                    one.canvas = one.win.gather(canvas)
                    one.fit_colour(cov[i:i + 1])
                    if one.gain(cov[i:i + 1]).item() <= 0:
                        continue
                    shape = Shape(g.kind, tuple(one.params[0].tolist()), tuple(one.colour[0].tolist()),
                                  float(one.alpha[0]))
                    paint(canvas, shape)
                    shapes.append(shape)
                    added += 1
            misses = 0 if added else misses + 1
            if progress:
                progress(Progress(len(shapes), settings.shapes, _psnr(canvas, target), time.perf_counter() - start))
    if settings.polish > 0:
        shapes = polish(target, weight, background, shapes[: settings.shapes], settings)
        if progress:
            canvas = background[:, None, None].expand(3, h, w).clone()
            for shape in shapes:
                paint(canvas, shape)
            progress(Progress(len(shapes), settings.shapes, _psnr(canvas, target), time.perf_counter() - start))
    return shapes[: settings.shapes]


def _psnr(canvas: torch.Tensor, target: torch.Tensor) -> float:
    """PSNR in dB of ``canvas`` against ``target``, both in [0, 1]."""
    mse = ((canvas - target) ** 2).mean().item()
    return 99.0 if mse <= 1e-10 else -10 * math.log10(mse)
