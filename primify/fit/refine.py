"""Adam on a batch of new shapes while the soft edge sharpens into the hard one."""

import time

import torch

from ..settings import Settings
from ..shapes import resolve_kind, step_scale
from .adam import Adam
from .group import Group, candidates
from .placement import shape_scale


def optimizer(groups: list[Group], radius: float, settings: Settings) -> Adam:
    """Adam over the groups' parameters, geometry's learning rate scaled to the shapes' size."""
    for g in groups:
        for name in ("params", "colour", "alpha"):
            setattr(g, name, getattr(g, name).detach().requires_grad_(True))
    param_groups = [{"params": [g.params for g in groups], "lr": settings.lr_geometry * radius / groups[0].win.scale,
                     "scale": [step_scale(g.kind, g.params.detach()) for g in groups]}]
    # With a palette, colours are chosen from it, not moved.
    if settings.palette is None:
        param_groups.append({"params": [g.colour for g in groups], "lr": settings.lr_colour})
    if settings.alpha is None:
        param_groups.append({"params": [g.alpha for g in groups], "lr": settings.lr_alpha})
    return Adam(param_groups, betas=(0.8, 0.95))


def step(groups: list[Group], opt: Adam, temperature: float, settings: Settings) -> bool:
    """One Adam step on every active shape, then back onto valid shapes, colours and opacities.

    A step whose loss, gradients or result is not finite is undone; returns False then, so the
    caller can lower the learning rate. Such values never reach a frozen shape.
    """
    saved = [(g.params.detach().clone(), g.colour.detach().clone(), g.alpha.detach().clone()) for g in groups]
    opt.zero_grad(set_to_none=True)
    loss = sum(-g.gain(g.coverage(temperature, settings.edge)).sum() for g in groups)
    ok = bool(torch.isfinite(loss))
    if ok:
        loss.backward()
        ok = all(torch.isfinite(v.grad).all() for g in groups for v in (g.params, g.colour, g.alpha) if v.grad is not None)
    if ok:
        opt.step()
    with torch.no_grad():
        for g, (p, c, a) in zip(groups, saved):
            if not ok or not all(torch.isfinite(v).all() for v in (g.params, g.colour, g.alpha)):
                g.params.copy_(p), g.colour.copy_(c), g.alpha.copy_(a)
                ok = False
            resolve_kind(g.kind).constrain(g.params, g.win.lo, g.win.hi, settings.min_size / g.win.scale)
            g.colour.clamp_(0, 1)
            g.alpha.clamp_(0.05, 1)
    return ok


def refine(groups: list[Group], radius: float, settings: Settings) -> None:
    """Adam on geometry, colour and (when learned) opacity, annealing the edge temperature from
    soft to the output's sharpness while the learning rate decays (and halves after a step
    that had to be undone)."""
    opt = optimizer(groups, radius, settings)
    base = [pg["lr"] for pg in opt.param_groups]
    t0 = max(settings.temperature_end, settings.temperature_start * radius)
    t1 = settings.temperature_end
    n = settings.steps
    for i in range(n):
        frac = i / max(1, n - 1)
        for pg, lr in zip(opt.param_groups, base):
            pg["lr"] = lr * (1 - 0.8 * frac)
        if not step(groups, opt, t0 * (t1 / t0) ** frac, settings):
            base = [lr / 2 for lr in base]
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
    opt = optimizer(groups, radius, settings)
    times = []
    for _ in range(repeats + 1):
        if target.is_cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        step(groups, opt, settings.temperature_end, settings)
        if target.is_cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return sorted(times[1:])[repeats // 2]


