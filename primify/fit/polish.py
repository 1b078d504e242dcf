"""A last joint refinement of every shape, with exact painter's-order compositing.

Batches are fitted one at a time over a frozen canvas; here all shapes move together, so
shapes laid down early can adjust to what was painted over them. The canvas is cut into
tiles, and at each step each tile composites only the shapes that reach it where they are then
(their soft edge's tail included), so a step costs the shapes' footprints rather than the
picture times the number of shapes.
"""

from collections.abc import Iterator

import torch

from ..model import Shape
from ..render.raster import composite_runs, soft_coverage, take, weighted_error
from ..settings import Settings
from ..shapes import resolve_kind
from .adam import Body, Descent

#: How far a shape may move from where the batches left it, in pixels: its size, but at least
#: this and at most ``settings.polish_reach``. A joint step pulls on every shape at once, and a
#: bound keeps each near the part of the picture it was placed for. At 2048 triangles small
#: shapes held at 2 px scored 0.09 dB less in trials. Shapes moving their whole size rather than
#: a quarter of it scored 0.14 dB more at 8 triangles and 0.12 at 20 (0.22 at 20 circles) and,
#: once the tiles followed the shapes, +0.04 to +0.10 dB from 100 to 2048 triangles (trials of
#: 3 seeds; level in time over 16 pictures at 256 timed in turn; trial 1e677dc).
REACH_MIN = 4.0
#: The most pixels of (tile, shape) pairs composited and differentiated at once: their graph,
#: about a hundred bytes a pixel, is what a polish of many shapes holds, so the pairs go through
#: in parts of this many pixels.
CHUNK = 2**21
#: How far beyond a shape's bounds, in soft-edge temperatures (plus a pixel), a polish step
#: composites its pixels: a sigmoid edge's coverage there is under 2% (tanh's is sharper).
TAIL = 4.0


def tiled(img: torch.Tensor, t: int) -> torch.Tensor:
    """(C, H, W) -> (T, C, t, t): t×t tiles in row-major order, zero-padded at the far edges."""
    c, h, w = img.shape
    rows, cols = -(-h // t), -(-w // t)
    img = torch.nn.functional.pad(img, (0, cols * t - w, 0, rows * t - h))
    return img.view(c, rows, t, cols, t).permute(1, 3, 0, 2, 4).reshape(rows * cols, c, t, t)


def pairs(box: torch.Tensor, t: int, rows: int, cols: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(tile, shape) index pairs where pixel boxes (N, 4) reach tiles, sorted by tile then shape.

    Each shape's own range of tiles is listed, never a tiles-by-shapes table, which for a poster
    (16384 tiles, 20000 shapes) would alone take a third of a gigabyte."""
    c0, r0, c1, r1 = ((box / t).floor().long().T.clamp_min(0).T).unbind(1)
    c0, c1 = c0.clamp_max(cols - 1), c1.clamp_max(cols - 1)
    r0, r1 = r0.clamp_max(rows - 1), r1.clamp_max(rows - 1)
    wide = (c1 - c0 + 1).clamp_min(0)
    counts = wide * (r1 - r0 + 1).clamp_min(0)
    shape = torch.repeat_interleave(torch.arange(len(box), device=box.device), counts)
    # The k-th tile of a shape's range, row by row.
    k = torch.arange(len(shape), device=box.device) - (counts.cumsum(0) - counts)[shape]
    tile = (r0[shape] + k // wide[shape]) * cols + c0[shape] + k % wide[shape]
    order = torch.argsort(tile * len(box) + shape)
    return tile[order], shape[order]


def chunks(tile_of: torch.Tensor, tiles: int, most: int) -> list[tuple[int, int, int, int]]:
    """Runs of whole tiles (a, b), with their pairs p0..p1 of ``tile_of`` (sorted), of at most
    ``most`` pairs each unless one tile alone has more."""
    ends = torch.bincount(tile_of, minlength=tiles).cumsum(0).tolist()
    out, a, p0 = [], 0, 0
    for tile in range(tiles):
        if ends[tile] - p0 > most and tile > a:
            out.append((a, tile, p0, ends[tile - 1]))
            a, p0 = tile, ends[tile - 1]
    return out + [(a, tiles, p0, ends[-1] if ends else 0)]


def polish(
    target: torch.Tensor,
    weight: torch.Tensor,
    background: torch.Tensor,
    shapes: list[Shape],
    settings: Settings,
    stop=lambda: False,
    free: bool = False,
) -> tuple[torch.Tensor, list[Shape]]:
    """Adam on all shapes' geometry, colour and (when learned) opacity, and on the background
    where ``free``, for ``settings.polish`` steps, the temperature annealed to the final one (from
    a softer one for few shapes), learning rates decaying to zero, ending early when ``stop()``
    turns True.

    target (C, H, W), weight (H, W), background (C,): RGB, or premultiplied RGBA (see
    ``raster``). Returns (background, shapes): new shapes, same order and kinds.
    """
    if not shapes or settings.polish <= 0:
        return background, shapes
    dev, dt, t = target.device, target.dtype, settings.polish_tile
    _, h, w = target.shape
    scale, rows, cols = max(h, w), -(-h // t), -(-w // t)
    target_t, weight_t = tiled(target, t), tiled(weight[None], t)

    kinds = list(dict.fromkeys(s.kind for s in shapes))
    members = {k: torch.tensor([i for i, s in enumerate(shapes) if s.kind == k], device=dev) for k in kinds}
    params = {k: torch.tensor([s.params for s in shapes if s.kind == k], dtype=dt, device=dev) for k in kinds}
    colour = torch.tensor([s.colour for s in shapes], dtype=dt, device=dev)
    alpha = torch.tensor([s.alpha for s in shapes], dtype=dt, device=dev)
    # For each kind: the box each shape must stay in; for each shape, its kind and its row there.
    lo, hi, row_in_kind = {}, {}, torch.empty(len(shapes), dtype=torch.long, device=dev)
    kind_of = torch.tensor([kinds.index(s.kind) for s in shapes], device=dev)
    for k in kinds:
        b = resolve_kind(k).bbox(params[k])
        size = (b[:, 2:] - b[:, :2]).amax(dim=1, keepdim=True)
        reach = size.clamp(REACH_MIN / scale, settings.polish_reach / scale)
        lo[k], hi[k] = b[:, :2] - reach, b[:, 2:] + reach
        row_in_kind[members[k]] = torch.arange(len(members[k]), device=dev)
    pix = (torch.arange(t, dtype=dt, device=dev) + 0.5) / scale

    def layout(temperature: float) -> list:
        """A step's parts: runs of tiles with their (tile, shape) pairs where the shapes are now,
        and per kind, the pairs (within the part) that are its shapes, their rows of its
        parameters, and their pixel centres. Laid out anew each step: from where the batches
        left them, the reaches of a few large shapes cover the picture many times over, and
        their soft edges' tails, wide at first, narrow as the temperature falls."""
        tail = TAIL * temperature + 1
        box = torch.empty(len(shapes), 4, dtype=dt, device=dev)
        for k in kinds:
            b = resolve_kind(k).bbox(params[k].detach()) * scale
            box[members[k]] = torch.cat([b[:, :2] - tail, b[:, 2:] + tail], dim=1)
        tile_of, shape_of = pairs(box, t, rows, cols)
        px = ((tile_of % cols) * t).to(dt)[:, None, None] / scale + pix[None, None, :]
        py = ((tile_of // cols) * t).to(dt)[:, None, None] / scale + pix[None, :, None]
        pair_kind = kind_of[shape_of]
        kind_pairs = {k: torch.nonzero(pair_kind == i).flatten() for i, k in enumerate(kinds)}
        out = []
        for a, b, p0, p1 in chunks(tile_of, rows * cols, max(1, CHUNK // t**2)):
            here = [(k, sel[(sel >= p0) & (sel < p1)]) for k, sel in kind_pairs.items()]
            here = [(k, sel - p0, row_in_kind[shape_of[sel]], px[sel], py[sel]) for k, sel in here]
            out.append((a, b, tile_of[p0:p1] - a, shape_of[p0:p1], here))
        return out

    bodies = [Body(k, params[k], lo[k], hi[k]) for k in kinds]
    lr = (settings.lr_polish * settings.boost / scale, settings.lr_polish_colour, settings.lr_polish_colour)
    # A free background is one more colour: where few shapes leave much of it showing, the
    # colour it should be moves with theirs.
    background = background.clone()
    colours = [colour, background] if free else [colour]
    loop = Descent(bodies, colours, [alpha], lr, settings, settings.min_size / scale)

    t0, t1, n = settings.polish_temperature, settings.temperature_end, settings.polish

    def loss(i: int) -> Iterator[torch.Tensor]:
        temperature = t0 * (t1 / t0) ** (i / max(1, n - 1))
        for a, b, run, shape, here in layout(temperature):
            soft = [
                (at, soft_coverage(resolve_kind(k).sdf(take(params[k], row), x, y), temperature / scale, settings.edge))
                for k, at, row, x, y in here
            ]
            if len(soft) == 1:
                cov = soft[0][1]  # one kind holds every pair, in order
            else:
                cov = torch.zeros(len(run), t, t, dtype=dt, device=dev)
                for at, c in soft:
                    cov = cov.index_put((at,), c)
            out = composite_runs(background, cov, take(colour, shape), take(alpha, shape), run, b - a)
            yield weighted_error(out, target_t[a:b], weight_t[a:b])

    loop.run(settings.polish, loss, lambda i: 1 - i / settings.polish, stop)
    result = list(shapes)
    for k in kinds:
        for row, i in enumerate(members[k].tolist()):
            result[i] = Shape(k, tuple(params[k][row].tolist()), tuple(colour[i].tolist()), alpha[i].item())
    return background.detach(), result
