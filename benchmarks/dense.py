"""Dense soft circle renderer: the method of conflictednerd/differentiable-renderer, re-implemented.

N circles (centre, radius, colour, alpha; unconstrained logits squashed by sigmoids) are optimised
jointly with Adam against an MSE loss. Every step renders the soft coverage of every circle on every
pixel, an (N, H, W) tensor, with a fixed edge softness and no annealing, so a step costs O(N*H*W)
however few circles actually touch a pixel. That cost is what primify is compared against.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np
import torch

from primify import Scene, Shape

SOFTNESS_PX = 1.0
LEARNING_RATE = 0.05
# The reference draws every logit uniformly from [-2, 2].
INIT_RANGE = 2.0
# Bounds the (chunk, H, W) temporaries of one forward pass; autograd still keeps O(N*H*W).
CHUNK = 512


@dataclass(frozen=True)
class Circles:
    """Decoded circles in pixel units (painter's order: index 0 is drawn first)."""

    centre: np.ndarray  # (N, 2) x, y
    radius: np.ndarray  # (N,)
    colour: np.ndarray  # (N, 3) in [0, 1]
    alpha: np.ndarray  # (N,) in [0, 1]


def init_logits(n: int, seed: int, device: str) -> torch.Tensor:
    """Random (N, 7) logits: cx, cy, radius, r, g, b, alpha."""
    gen = torch.Generator().manual_seed(seed)
    logits = (torch.rand(n, 7, generator=gen) * 2.0 - 1.0) * INIT_RANGE
    return logits.to(device).requires_grad_()


def decode(logits: torch.Tensor, width: int, height: int) -> tuple[torch.Tensor, ...]:
    """Logits -> (cx, cy, radius) in pixels and colour, alpha in [0, 1].

    Radius follows the reference: up to half the shorter side, plus one pixel so that no circle
    vanishes and loses its gradient.
    """
    s = torch.sigmoid(logits)
    cx, cy = s[:, 0] * width, s[:, 1] * height
    radius = s[:, 2] * (min(width, height) / 2.0) + 1.0
    return cx, cy, radius, s[:, 3:6], s[:, 6]


def render_soft(logits: torch.Tensor, background: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Soft render to a (3, H, W) image by closed-form painter's-order alpha compositing.

    out = bg * prod_i(1 - a_i) + sum_i c_i a_i prod_{j>i}(1 - a_j), done chunk by chunk in
    painter's order so that a chunk composites over the canvas built by the chunks below it.
    """
    device = logits.device
    cx, cy, radius, colour, alpha = decode(logits, width, height)
    xs = torch.arange(width, device=device, dtype=torch.float32) + 0.5
    ys = torch.arange(height, device=device, dtype=torch.float32) + 0.5
    canvas = background.view(3, 1).expand(3, height * width)
    for lo in range(0, logits.shape[0], CHUNK):
        # Topmost circle first, so a plain cumprod yields the transmittance of the circles above.
        idx = torch.arange(min(lo + CHUNK, logits.shape[0]) - 1, lo - 1, -1, device=device)
        dx2 = (xs.view(1, 1, width) - cx[idx].view(-1, 1, 1)) ** 2
        dy2 = (ys.view(1, height, 1) - cy[idx].view(-1, 1, 1)) ** 2
        # The epsilon keeps sqrt's gradient finite when a centre lands exactly on a pixel centre.
        dist = torch.sqrt(dx2 + dy2 + 1e-8)
        edge = torch.sigmoid((radius[idx].view(-1, 1, 1) - dist) / SOFTNESS_PX)
        cover = (alpha[idx].view(-1, 1, 1) * edge).flatten(1)  # (n, HW)
        through = torch.cumprod(1.0 - cover, 0)  # prod over this circle and those above it
        above = torch.cat([torch.ones_like(through[:1]), through[:-1]], 0)
        canvas = canvas * through[-1] + colour[idx].T @ (cover * above)
    return canvas.view(3, height, width)


def _setup(target: torch.Tensor, n: int, seed: int, device: str):
    """Target on device, its mean colour as the fixed background, fresh logits and their Adam."""
    target = target.to(device)
    logits = init_logits(n, seed, device)
    return target, target.mean(dim=(1, 2)), logits, torch.optim.Adam([logits], lr=LEARNING_RATE)


def _adam_step(
    logits: torch.Tensor, opt: torch.optim.Optimizer, target: torch.Tensor, background: torch.Tensor
) -> None:
    """One full step: dense forward render, MSE, backward, Adam update."""
    opt.zero_grad(set_to_none=True)
    loss = torch.mean((render_soft(logits, background, *target.shape[1:]) - target) ** 2)
    loss.backward()
    opt.step()


def _sync(device: str) -> None:
    """Wait for queued GPU work, so wall-clock timings are real."""
    if device.startswith("cuda"):
        torch.cuda.synchronize()


@dataclass(frozen=True)
class Fit:
    """Outcome of one timed optimisation."""

    circles: Circles
    background: tuple[float, float, float]
    steps: int
    seconds: float  # wall time actually spent; the last step may overrun the budget


def fit(target: torch.Tensor, n: int, budget_s: float, device: str, seed: int = 0) -> Fit:
    """Optimise n circles against target (3, H, W) in [0, 1] until budget_s seconds are spent.

    The background is fixed to the target's mean colour, as primitive does.
    """
    start = time.perf_counter()
    target, background, logits, opt = _setup(target, n, seed, device)
    steps = 0
    while time.perf_counter() - start < budget_s:
        _adam_step(logits, opt, target, background)
        steps += 1
    _sync(device)
    seconds = time.perf_counter() - start
    bg = tuple(float(v) for v in background.cpu())
    return Fit(to_circles(logits.detach(), *target.shape[1:]), bg, steps, seconds)


def to_circles(logits: torch.Tensor, height: int, width: int) -> Circles:
    """Decode logits into numpy circles in pixel units."""
    cx, cy, radius, colour, alpha = (t.cpu().numpy().astype(np.float64) for t in decode(logits, width, height))
    return Circles(np.stack([cx, cy], axis=1), radius, colour, alpha)


def step_seconds(target: torch.Tensor, n: int, device: str, repeats: int = 3) -> float:
    """Median seconds of one dense step (forward + backward + Adam) with n circles, after a warm-up."""
    target, background, logits, opt = _setup(target, n, 0, device)
    _adam_step(logits, opt, target, background)
    times = []
    for _ in range(repeats):
        _sync(device)
        t0 = time.perf_counter()
        _adam_step(logits, opt, target, background)
        _sync(device)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def hard_render(circles: Circles, width: int, height: int, background: tuple[float, float, float]) -> np.ndarray:
    """Render the circles with hard, anti-aliased edges by primify's own renderer; (H, W, 3) uint8.

    primify.Scene takes coordinates in units of the longer side, so pixels are divided by it.
    """
    side = float(max(width, height))
    shapes = [
        Shape(
            kind="circle",
            params=(x / side, y / side, r / side),
            colour=(float(c[0]), float(c[1]), float(c[2])),
            alpha=float(a),
        )
        for (x, y), r, c, a in zip(
            circles.centre.tolist(), circles.radius.tolist(), circles.colour, circles.alpha.tolist()
        )
    ]
    scene = Scene(width=width, height=height, background=tuple(background), shapes=shapes)
    return np.asarray(scene.render().convert("RGB"))
