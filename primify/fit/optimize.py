"""Coarse-to-fine fitting of shapes to a target picture.

The optimizer sees tensors only: a target (3, H, W) in [0, 1] (or premultiplied RGBA, 4
channels, see ``raster``), per-pixel weights (H, W), and the kinds it may use. Each round it
adds a batch of shapes: it samples candidates where the error is largest, keeps the best,
refines them with Adam on a soft edge that sharpens to the anti-aliased hard edge, then paints
them into the canvas with the hard renderer that writes the output. Finished shapes stay
frozen in the canvas, so a step costs what the active shapes' windows hold, not the picture
times every shape so far. A last joint refinement (``polish``) then moves all shapes together.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import torch

from ..model import Shape
from ..render.hard import blank, coverages, painted
from ..render.raster import weighted_error
from ..settings import Settings
from ..shapes import resolve_kind
from .freeze import freeze
from .group import Group, candidates, palette_of
from .metrics import psnr
from .placement import batch_size, shape_scale, spread
from .polish import polish
from .refine import refine, threads_for
from .regrow import regrown
from .search import best_of
from .solve import solved


@dataclass
class Progress:
    """What a progress callback receives after each batch of new shapes, once more after the
    final joint refinement, and below ``few_shapes`` after the colours are solved together.

    placed: shapes in the picture so far, a starting scene's (``init``) included.
    total: shapes asked for (``Settings.shapes``); fewer are placed when ``target_psnr`` is
        reached, when ``stop()`` answers True, or when no shape lowers the error any more
        (one that the polish moves off the picture, where it paints nothing, is dropped, and
        another placed in its stead).
    psnr: PSNR in dB of the picture so far against the target at the working size: the hard,
        anti-aliased render that is written (with transparency, over black and white both).
    seconds: wall-clock seconds since fitting began.
    """

    placed: int
    total: int
    psnr: float
    seconds: float


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, or Jupyter's stop button, while converting. Still a KeyboardInterrupt, so a
    script stops as it always did; ``shapes`` are the shapes placed until then, ``background``
    the background they were fitted over (a tensor, as ``fit`` returns it), and ``scene`` (set by
    ``primify.convert``) the scene they make, ready to render or save."""

    def __init__(self, shapes: list[Shape], background: torch.Tensor | None = None, scene=None):
        super().__init__("interrupted: the shapes placed so far are in this exception's .scene")
        self.shapes, self.background, self.scene = shapes, background, scene


def fit(
    target: torch.Tensor,
    weight: torch.Tensor | None,
    settings: Settings,
    gen: torch.Generator,
    background: torch.Tensor,
    progress: Callable[[Progress], None] | None = None,
    stop: Callable[[], bool] | None = None,
    init: Sequence[Shape] = (),
    free_background: bool = False,
    beside: bool = False,
) -> tuple[torch.Tensor, list[Shape]]:
    """Fits ``settings.shapes`` shapes to ``target`` (3, H, W) over ``background`` (3,), or to
    premultiplied RGBA (4, H, W) over a background (4,) of zeros (see ``raster``); the first
    of them are ``init`` (painted first and refined with the others at the end).

    ``weight`` (H, W) scales each pixel's error (None: all equal). Returns (background, shapes):
    the shapes in painter's order, and ``background`` as given, or where ``free_background`` (and
    no palette) as the fit left it: the polish moves it with the colours, and below
    ``settings.few_shapes`` every batch ends by solving all colours together (see ``solve``),
    the background's among them. Painting the shapes over it with ``Scene`` gives the canvas
    that the optimizer scored. When ``stop()`` turns True, returns the shapes placed so far; when
    the PSNR reaches ``settings.target_psnr``, or the canvas is the target, adds no more. A
    KeyboardInterrupt becomes ``Interrupted`` with the last shapes and background reported.
    ``beside``: few shapes' second search may run in a forked process (see ``search``).
    """
    start, stop = time.perf_counter(), stop or (lambda: False)
    _, h, w = target.shape
    given, weight = weight, torch.ones(h, w, dtype=target.dtype, device=target.device) if weight is None else weight
    free = free_background and settings.palette is None
    # What a Ctrl-C keeps: the last whole state reported, never a background parted from the
    # colours that were solved over it.
    latest = (background, list(init))

    def report(ground: torch.Tensor, done: list[Shape], canvas: torch.Tensor) -> None:
        nonlocal latest
        latest = (ground, list(done))
        if progress:
            # A canvas of the shrunk picture is measured as the working size paints it.
            canvas = canvas if canvas.shape == target.shape else painted(ground, done, h, w)
            progress(Progress(len(done), settings.shapes, psnr(canvas, target), time.perf_counter() - start))

    try:
        side = settings.search_side(h, w)
        scene = (background, list(init))
        if side is None or init:
            scene = _fit(target, weight, settings, gen, scene, report, stop, free)
        elif settings.searched < settings.shapes:
            # Many shapes: the first, large ones are placed on the shrunk picture as well, with the
            # schedule they have at the working size, and the rest there; the polish moves all.
            first = replace(settings, shapes=settings.searched, few_shapes=0, polish_steps=0)
            scene = _fit(*shrink(target, given, side), first, gen, scene, report, stop, free)
            scene = _fit(target, weight, settings, gen, scene, report, stop, free)
        else:
            # Few large shapes are found as well on a smaller picture, at a fraction of the cost;
            # canvas units carry them over, and the polish then fits them at the working size,
            # with fewer steps the fewer the shapes (``finish_steps``).
            small, light = shrink(target, given, side)

            def search(g, say, halt):
                found = _fit(small, light, settings, g, scene, say, halt, free)
                return regrown(small, light, settings, g, found, say, halt, free, _fit)

            loss = lambda s: weighted_error(painted(*s, *small.shape[1:]), small, light).item()
            beside = beside and target.device.type == "cpu"
            # A second search takes a core: on one thread (as under -j 2 on two cores) that core
            # is another picture's, so there one search runs.
            runs = min(settings.search_runs, torch.get_num_threads())
            scene = best_of(runs, search, loss, gen, report, stop, beside)
            finish = replace(settings, few_shapes=0, polish_steps=settings.finish_steps, tile=settings.polish_tile)
            scene = _polished(target, weight, scene, finish, stop, report, free)[:2]
        if len(scene[1]) < settings.shapes and not stop():
            # A polish drops a shape it moved off the canvas; the shapes asked for are made up
            # with new ones, placed, refined and frozen as every batch is (not polished again).
            scene = _fit(target, weight, replace(settings, polish_steps=0), gen, scene, report, stop, free)
        if settings.solves_colours:
            *recoloured, canvas = solved(target, weight, *scene, free)
            if recoloured[1] is not scene[1]:
                scene = tuple(recoloured)
                report(*scene, canvas)
        return scene
    except KeyboardInterrupt as e:
        raise Interrupted(latest[1], latest[0]) from e


def _fit(target, weight, settings: Settings, gen, scene, report, stop, free: bool) -> tuple[torch.Tensor, list[Shape]]:
    """``fit`` at the target's size from ``scene`` (background, shapes); returns the new one."""
    _, h, w = target.shape
    background, shapes = scene[0], list(scene[1])
    canvas = painted(background, shapes, h, w)
    goal = settings.target_psnr
    # decibels() gives 99 for a canvas that is the target (a flat picture and its background):
    # then no shape can lower the error.
    reached = lambda: goal is not None and psnr(canvas, target) >= goal
    perfect = lambda: psnr(canvas, target) >= 99.0
    # Few shapes each cover much of the picture, so every batch re-solves all colours (and a
    # free background) for the canvas it leaves: the batches after it are placed, coloured and
    # scored over the picture as it will be, not over the mean colour the fit started from.
    solve = settings.solves_colours
    misses = 0
    # Over nothing, shapes need cover only the opaque part: the size schedule spans its area.
    extent = target[3].mean().sqrt().item() if len(target) == 4 else 1.0
    # A batch whose every shape would make the picture worse is a miss: the next one tries
    # shapes half the size, and several in a row mean nothing is left to improve.
    while len(shapes) < settings.shapes and misses < 6 and not stop() and not reached() and not perfect():
        radius = max(1.5, shape_scale(len(shapes), max(h, w)) * 0.5**misses * extent)
        with torch.no_grad():
            groups = _choose(target, weight, canvas, radius, len(shapes), settings, gen)
        with threads_for(groups):
            groups = refine(groups, radius, settings) if groups else groups
            with torch.no_grad():
                added = freeze(groups, canvas, shapes, palette_of(settings, target), reached, goal is not None)
        with torch.no_grad():
            if added and solve:
                background, shapes, canvas = solved(target, weight, background, shapes, free)
        misses = 0 if added else misses + 1
        report(background, shapes, canvas)
    # Each round anneals again from soft, with the reach measured from where the last one left
    # the shapes: a polish that starts over finds more than one as long (see EFFORT).
    for _ in range(settings.polish_rounds if settings.polish > 0 and shapes else 0):
        if stop():
            break
        background, shapes, canvas = _polished(
            target, weight, (background, shapes), settings, stop, report, free, canvas
        )
    return background, shapes


def _polished(target, weight, scene, settings: Settings, stop, report, free: bool, before=None):
    """(background, shapes, canvas): the scene after the joint refinement, or as it was where
    that did not lower the hard picture's error, and its canvas; reports the result. ``before``
    is the scene's canvas where the caller has it at the target's size."""
    _, h, w = target.shape
    before = painted(*scene, h, w) if before is None else before
    ground, moved = polish(target, weight, *scene, settings, stop, free)
    # A shape whose paint only adds error, as over a transparent part of the picture, can leave
    # the canvas altogether: it paints nothing, so it is dropped rather than written.
    bands = list(coverages(blank(ground, h, w), moved))
    seen = [any(c.any() for *_, c in b) for b in bands]
    polished = (ground, [s for s, v in zip(moved, seen) if v])
    after = painted(*polished, h, w, [b for b, v in zip(bands, seen) if v])
    # The soft objective tracks the hard picture closely, but keep whichever is better.
    better = psnr(after, target) >= psnr(before, target)
    (background, shapes), canvas = (polished, after) if better else (scene, before)
    report(background, shapes, canvas)
    return background, shapes, canvas


def shrink(target: torch.Tensor, weight: torch.Tensor | None, side: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The target (C, H, W) and weight (H, W; None: all ones, kept exact) resampled
    (antialiased) to a longer side of ``side``."""
    _, h, w = target.shape
    size = (max(1, round(h * side / max(h, w))), max(1, round(w * side / max(h, w))))
    resize = lambda t: torch.nn.functional.interpolate(t[None], size, mode="bilinear", antialias=True)[0]
    light = torch.ones(size, dtype=target.dtype, device=target.device) if weight is None else resize(weight[None])[0]
    return resize(target).clamp(0, 1), light


def _choose(target, weight, canvas, radius: float, placed: int, settings: Settings, gen) -> list[Group]:
    """The next batch: candidates of every allowed kind where the error is, the best kept."""
    _, h, w = target.shape
    k = batch_size(placed, settings.shapes - placed, *settings.batch_limits)
    error = (weight * (canvas - target) ** 2).sum(0)
    if len(target) == 4:
        # Where the picture is transparent the error is spilt paint, which no shape takes away.
        error = error * target[3]
    alpha = settings.start_alpha(len(target))
    # Few shapes are swept for (see ``sweep``); many small ones are placed as well at random.
    search = settings.shapes < settings.few_shapes
    pool = [
        candidates(kind, target, weight, canvas, error, k * settings.tries, radius, alpha, settings, gen, search)
        for kind in settings.kinds
    ]
    gains = torch.cat([p.gains for p in pool])
    boxes = torch.cat([resolve_kind(p.kind).bbox(p.params) for p in pool])
    chosen = spread((boxes[:, :2] + boxes[:, 2:]) / 2 * max(h, w), gains, k, radius / 2)
    # A sweep on a tiny picture can offer fewer candidates than asked, so pools differ in size.
    ends = torch.tensor([len(p.params) for p in pool], device=chosen.device).cumsum(0)
    owner = torch.searchsorted(ends, chosen, right=True)
    picks = [chosen[owner == i] - (ends[i] - len(p.params)) for i, p in enumerate(pool)]
    return [p.take(idx, target, canvas, weight) for p, idx in zip(pool, picks, strict=True) if len(idx)]
