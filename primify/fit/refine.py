"""Adam on a batch of new shapes while the soft edge sharpens into the hard one."""

import time
from dataclasses import replace

import torch

from ..settings import Settings
from .adam import Body, Descent
from .group import Group, candidates
from .placement import shape_scale
from .threads import threads

#: A batch whose windows hold fewer pixels than this is refined and frozen on one thread. At
#: 256 px (batches of 5,000 to 40,000 pixels) a second thread made none quicker and took CPU;
#: at 768 px, batches of 2**17 to 2**19 pixels were quicker on two (ad hoc, stage by stage).
#: Whole folders in turn: benchmarks/results/jobs_small_batches.csv.
ONE_THREAD = 2**16


def threads_for(groups: list[Group]):
    """Runs its block on one thread where the groups' windows are small (see ``ONE_THREAD``),
    and on as many as before otherwise."""
    pixels = sum(g.windows.rows.numel() * g.windows.cols.shape[1] for g in groups)
    return threads(1 if pixels < ONE_THREAD else torch.get_num_threads())


def descent(groups: list[Group], radius: float, settings: Settings) -> tuple[list[Group], Descent]:
    """The groups with their own leaves to optimize, and the loop over them: geometry's learning
    rate scaled to the shapes' size."""
    groups = [
        replace(g, params=g.params.detach().clone(), colour=g.colour.detach().clone(), alpha=g.alpha.detach().clone())
        for g in groups
    ]
    scale = groups[0].windows.scale
    bodies = [Body(g.kind, g.params, g.windows.lo, g.windows.hi) for g in groups]
    lr = (settings.refine_rate * radius / scale, settings.lr_colour, settings.lr_alpha)
    loop = Descent(
        bodies, [g.colour for g in groups], [g.alpha for g in groups], lr, settings, settings.min_size / scale
    )
    return groups, loop


def loss(groups: list[Group], temperature: float, settings: Settings) -> list[torch.Tensor]:
    """The error the groups' shapes leave in their windows (one part)."""
    return [sum(g.error(g.coverage(temperature, settings.edge)).sum() for g in groups)]


def refine(groups: list[Group], radius: float, settings: Settings) -> list[Group]:
    """The groups after Adam on geometry, colour and (when learned) opacity, annealing the edge
    temperature from soft to the output's sharpness while the learning rate decays (and halves
    after a step that had to be undone)."""
    groups, loop = descent(groups, radius, settings)
    t0 = max(settings.temperature_end, settings.temperature_start * radius)
    t1 = settings.temperature_end
    n = settings.refine_steps
    frac = lambda i: i / max(1, n - 1)
    loop.run(n, lambda i: loss(groups, t0 * (t1 / t0) ** frac(i), settings), lambda i: 1 - 0.8 * frac(i))
    return [replace(g, params=g.params.detach(), colour=g.colour.detach(), alpha=g.alpha.detach()) for g in groups]


def step_seconds(
    target: torch.Tensor,
    kind: str = "triangle",
    n_active: int = 256,
    device: torch.device | str = "cpu",
    repeats: int = 5,
) -> float:
    """Median seconds of one optimization step with ``n_active`` shapes of ``kind`` active, at
    the size the schedule gives shapes placed after ``n_active`` others, on a flat canvas.

    For benchmarks: ``target`` is (3, H, W) in [0, 1].
    """
    target = target.to(device)
    settings = Settings(kinds=(kind,))
    gen = torch.Generator().manual_seed(0)
    _, h, w = target.shape
    weight = torch.ones(h, w, dtype=target.dtype, device=target.device)
    canvas = target.mean(dim=(1, 2))[:, None, None].expand(3, h, w).clone()
    radius = shape_scale(n_active, max(h, w))
    with torch.no_grad():
        pool = candidates(
            kind,
            target,
            weight,
            canvas,
            (canvas - target).pow(2).sum(0),
            n_active,
            radius,
            settings.start_alpha(len(target)),
            settings,
            gen,
        )
        groups = [pool.take(torch.arange(n_active, device=target.device), target, canvas, weight)]
    groups, loop = descent(groups, radius, settings)
    times = []
    for _ in range(repeats + 1):
        if target.is_cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        loop.step(lambda: loss(groups, settings.temperature_end, settings))
        if target.is_cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return sorted(times[1:])[repeats // 2]
