"""Regrowth: the few shapes that help least are taken out and placed anew.

Greedy placement's first picks are rarely the best set when there are only a few shapes: each
was the best for the picture as it was then. A round of regrowth takes out the quarter of the
shapes whose loss the picture misses least, places new ones where the error is now, polishes
all again, and keeps the result only where the picture got better.
"""

from collections.abc import Callable
from dataclasses import replace

import torch

from ..model import Shape
from ..render.hard import blank, coverages, paint, painted
from ..render.raster import solid, squared_error, weighted_error
from ..settings import Settings


def regrown(target, weight, settings: Settings, gen, scene, report, stop, free: bool, grow: Callable):
    """The scene (background, shapes) after ``settings.regrow_rounds`` rounds of regrowth, each
    kept (and reported) where it lowers the error. ``grow(target, weight, settings, gen, scene,
    report, stop, free)`` adds shapes to a scene up to ``settings.shapes`` and polishes them, as
    the fit does; here it places with half the boost."""
    _, h, w = target.shape
    loss = lambda canvas: weighted_error(canvas, target, weight).item()
    again = replace(settings, few_shapes=2 * settings.shapes)
    error = loss(painted(*scene, h, w))
    for _ in range(settings.regrow_rounds):
        if stop():
            break
        background, shapes = scene
        with torch.no_grad():
            missed = errors_without(target, weight, background, shapes)
        weakest = set(sorted(range(len(shapes)), key=missed.__getitem__)[: max(1, len(shapes) // 4)])
        kept = [s for i, s in enumerate(shapes) if i not in weakest]
        trial = grow(target, weight, again, gen, (background, kept), lambda *_: None, stop, free)
        canvas = painted(*trial, h, w)
        if (after := loss(canvas)) < error:
            scene, error = trial, after
            report(*scene, canvas)
    return scene


def errors_without(
    target: torch.Tensor, weight: torch.Tensor, background: torch.Tensor, shapes: list[Shape]
) -> list[float]:
    """The weighted squared error of the hard canvas with each shape left out, in order.

    Leaving out shape i, of coverage u_i (its opacity times its anti-aliased coverage), gives
    the canvas plus after_i * u_i * (below_i - colour_i), where below_i is the canvas as it was
    just before shape i was painted and after_i the product of (1 - u_j) over the shapes painted
    after it: one painting and one pass back over each shape's own box, not n paintings of
    n - 1 shapes. target (C, H, W), weight (H, W), background (C,)."""
    _, h, w = target.shape
    canvas = blank(background, h, w)
    bands = list(coverages(canvas, shapes))
    below = []
    for shape, cov in zip(shapes, bands, strict=True):
        below.append([canvas[:, top:bottom, left:right].clone() for top, bottom, left, right, _ in cov])
        paint(canvas, shape, bands=cov)
    total = weighted_error(canvas, target, weight)
    keep = torch.ones(h, w, dtype=canvas.dtype, device=canvas.device)
    missed = [0.0] * len(shapes)
    for i in range(len(shapes) - 1, -1, -1):
        colour = solid(torch.tensor(shapes[i].colour, dtype=canvas.dtype, device=canvas.device), len(canvas))
        change = torch.zeros((), dtype=canvas.dtype, device=canvas.device)
        for (top, bottom, left, right, cov), under in zip(bands[i], below[i], strict=True):
            u = shapes[i].alpha * cov
            now, goal = canvas[:, top:bottom, left:right], target[:, top:bottom, left:right]
            out = now + keep[top:bottom, left:right] * u * (under - colour[:, None, None])
            change += (weight[top:bottom, left:right] * (squared_error(out, goal) - squared_error(now, goal))).sum()
            keep[top:bottom, left:right] *= 1 - u
        missed[i] = (total + change).item()
    return missed
