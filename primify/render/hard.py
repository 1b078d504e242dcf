"""The hard renderer that writes every raster output, and that the optimizer freezes shapes with.

Each shape is painted in painter's order with anti-aliased coverage (``raster.hard_coverage``),
touching only its bounding box; a render is made band by band so that a poster-sized picture
needs memory for its bytes only.
"""

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch
from PIL import Image

from .. import checks
from ..shapes import resolve_kind
from .raster import hard_coverage, solid
from .sizes import stretch

if TYPE_CHECKING:
    from ..model import Scene, Shape

#: Sub-pixel samples per side for the anti-aliased hard render.
SUPERSAMPLE = 4
#: Pixels of one shape handled at once, and of a render's band, so huge outputs stay in
#: bounded memory.
_MAX_POINTS, _MAX_BAND = 1 << 20, 1 << 22
#: ``coverages`` works out together the shapes of a run of at most this many, and of boxes of at
#: most _SMALL pixels (a bigger one has pixels enough to keep its own call busy).
_RUN, _SMALL = 256, 1 << 14


def blank(background, height: int, width: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """A canvas of ``background``: (3, H, W) of an RGB colour (a sequence or a (3,) tensor), or
    premultiplied RGBA (4, H, W) of nothing for None (or a (4,) tensor)."""
    if not isinstance(background, torch.Tensor):
        background = torch.tensor((0.0,) * 4 if background is None else background, dtype=torch.float32, device=device)
    return background[:, None, None].expand(len(background), height, width).clone()


def painted(
    background, shapes: Sequence["Shape"], height: int, width: int, bands: Sequence | None = None
) -> torch.Tensor:
    """The canvas (see ``blank``) of ``shapes`` painted in order over ``background``; ``bands``
    holds each shape's ``coverage`` of it, where the caller has worked them out already."""
    canvas = blank(background, height, width)
    for shape, cov in zip(shapes, bands or coverages(canvas, shapes)):
        paint(canvas, shape, bands=cov)
    return canvas


def band(
    scene: "Scene",
    w: int,
    h: int,
    top: int,
    bottom: int,
    samples: int = SUPERSAMPLE,
    margin: int = 0,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """Rows ``top``..``bottom`` of the scene's w × h render (and ``margin`` pixels around)."""
    canvas = blank(scene.background, bottom - top + 2 * margin, w + 2 * margin, device)
    scale, offset = stretch(scene, w, h), (margin, margin - top)
    for shape, cov in zip(scene.shapes, coverages(canvas, scene.shapes, samples, scale, offset)):
        paint(canvas, shape, bands=cov)
    return canvas


def render(
    scene: "Scene",
    longer: int | None = None,
    samples: int = SUPERSAMPLE,
    blur: float = 0,
    size: tuple[int, int] | None = None,
) -> Image.Image:
    """See ``Scene.render``; ``size`` (width, height) is an exact size instead, for a picture
    whose own aspect ratio the rounded working size only comes near. Raises ValueError or
    TypeError for ``samples`` or ``blur`` out of their ranges."""
    # A blur wider than the picture leaves one flat colour, and its kernel, time and memory grow
    # with it: a huge one took all memory.
    blur = checks.real(0, max(scene.width, scene.height))("blur", blur)
    samples = checks.whole(1)("samples", samples)
    w, h = size or scene.size_for(longer)
    if blur == 0:
        rows = max(1, _MAX_BAND // w)
        bands = [np.asarray(to_image(band(scene, w, h, top, min(h, top + rows), samples))) for top in range(0, h, rows)]
        return Image.fromarray(np.concatenate(bands) if len(bands) > 1 else bands[0])
    from .blur import pictures  # which draws with this module's painting

    return next(pictures(scene, w, h, samples, blur, [len(scene.shapes)]))


def paint(
    canvas: torch.Tensor,
    shape: "Shape",
    samples: int = SUPERSAMPLE,
    scale: float | tuple[float, float] | None = None,
    offset: int | tuple[int, int] = 0,
    bands: Sequence[tuple[int, int, int, int, torch.Tensor]] | None = None,
) -> None:
    """Paints one shape onto ``canvas`` (3, H, W), or premultiplied RGBA (4, H, W), in place,
    touching only its bounding box.

    The picture's longer side is ``scale`` pixels (default: the canvas's), or (across, down)
    pixels a canvas unit where it is drawn stretched (see ``stretch``), and its origin lies
    ``offset`` pixels, or (x, y) pixels, right of and below the canvas's top-left corner.
    ``bands`` is the shape's coverage as ``coverage`` gave it for this canvas, to paint the same
    shape again without working it out anew.
    """
    colour = solid(torch.tensor(shape.colour, dtype=canvas.dtype, device=canvas.device), len(canvas))[:, None, None]
    for top, bottom, c0, c1, cov in coverage(canvas, shape, samples, scale, offset) if bands is None else bands:
        patch = canvas[:, top:bottom, c0:c1]
        patch += (shape.alpha * cov) * (colour - patch)


def coverage(
    canvas: torch.Tensor,
    shape: "Shape",
    samples: int = SUPERSAMPLE,
    scale: float | tuple[float, float] | None = None,
    offset: int | tuple[int, int] = 0,
) -> Iterator[tuple[int, int, int, int, torch.Tensor]]:
    """The anti-aliased coverage of ``shape`` on ``canvas`` (as ``paint`` takes them), band by
    band of its bounding box, so that a huge shape needs bounded memory: (top, bottom, left,
    right, coverage (bottom - top, right - left))."""
    _, h, w = canvas.shape
    sx, sy = _axes(scale or max(h, w))
    ox, oy = offset if isinstance(offset, tuple) else (offset, offset)
    kind = resolve_kind(shape.kind)
    p = torch.tensor([shape.params], dtype=canvas.dtype, device=canvas.device)
    x0, y0, x1, y1 = (kind.bbox(p)[0] * _boxed(sx, sy, p) + _boxed(ox, oy, p)).tolist()
    c0, c1 = max(0, int(np.floor(x0))), min(w, int(np.ceil(x1)) + 1)
    r0, r1 = max(0, int(np.floor(y0))), min(h, int(np.ceil(y1)) + 1)
    if c0 >= c1 or r0 >= r1:
        return
    xs = ((torch.arange(c0, c1, device=canvas.device, dtype=canvas.dtype) + 0.5 - ox) / sx)[None, None, :]
    rows = max(1, _MAX_POINTS // (c1 - c0))
    for top in range(r0, r1, rows):
        bottom = min(r1, top + rows)
        ys = ((torch.arange(top, bottom, device=canvas.device, dtype=canvas.dtype) + 0.5 - oy) / sy)[None, :, None]
        yield top, bottom, c0, c1, hard_coverage(kind.sdf, p, xs, ys, (1 / sx, 1 / sy), samples)[0]


def coverages(
    canvas: torch.Tensor,
    shapes: Sequence["Shape"],
    samples: int = SUPERSAMPLE,
    scale: float | tuple[float, float] | None = None,
    offset: int | tuple[int, int] = 0,
) -> Iterator[list[tuple[int, int, int, int, torch.Tensor]]]:
    """``list(coverage(canvas, shape, ...))`` for each of ``shapes`` in order: the same values,
    worked out together for the small shapes of one kind in a run, each in a window of its box
    rounded up to powers of two (one shape's dozen tensor operations cost more than its pixels:
    painting 2048 triangles shape by shape took longer than a tenth of fitting them)."""
    _, h, w = canvas.shape
    sx, sy = _axes(scale or max(h, w))
    ox, oy = offset if isinstance(offset, tuple) else (offset, offset)
    for start in range(0, len(shapes), _RUN):
        run = shapes[start : start + _RUN]
        found: list = [None] * len(run)
        for name in dict.fromkeys(s.kind for s in run):
            kind = resolve_kind(name)
            idx = [i for i, s in enumerate(run) if s.kind == name]
            p = torch.tensor([run[i].params for i in idx], dtype=canvas.dtype, device=canvas.device)
            boxes = (kind.bbox(p) * _boxed(sx, sy, p) + _boxed(ox, oy, p)).tolist()
            buckets: dict[tuple[int, int], list] = {}
            for j, (i, (x0, y0, x1, y1)) in enumerate(zip(idx, boxes)):
                c0, c1 = max(0, int(np.floor(x0))), min(w, int(np.ceil(x1)) + 1)
                r0, r1 = max(0, int(np.floor(y0))), min(h, int(np.ceil(y1)) + 1)
                if c0 >= c1 or r0 >= r1 or (r1 - r0) * (c1 - c0) > _SMALL:
                    found[i] = list(coverage(canvas, run[i], samples, (sx, sy), offset))
                else:
                    key = (1 << (r1 - r0 - 1).bit_length(), 1 << (c1 - c0 - 1).bit_length())
                    buckets.setdefault(key, []).append((i, j, r0, r1, c0, c1))
            for (rows, cols), items in buckets.items():
                step = max(1, _MAX_POINTS // (rows * cols))
                for part in (items[k : k + step] for k in range(0, len(items), step)):
                    xs = _centres([it[4] for it in part], cols, ox, sx, canvas)[:, None, :]
                    ys = _centres([it[2] for it in part], rows, oy, sy, canvas)[:, :, None]
                    cov = hard_coverage(kind.sdf, p[[it[1] for it in part]], xs, ys, (1 / sx, 1 / sy), samples)
                    for c, (i, _, r0, r1, c0, c1) in zip(cov, part):
                        found[i] = [(r0, r1, c0, c1, c[: r1 - r0, : c1 - c0])]
        yield from found


def _axes(scale: float | tuple[float, float]) -> tuple[float, float]:
    """A scale as (across, down): one number is both."""
    return scale if isinstance(scale, tuple) else (scale, scale)


def _boxed(x: float, y: float, like: torch.Tensor) -> torch.Tensor:
    """(x, y, x, y), to scale or move boxes (x0, y0, x1, y1) by."""
    return torch.tensor([x, y, x, y], dtype=like.dtype, device=like.device)


def _centres(starts: list[int], n: int, origin: int, scale: float, like: torch.Tensor) -> torch.Tensor:
    """(K, n): the centres of ``n`` pixels from each of ``starts``, as ``coverage`` works them out
    (whole numbers are exact in floats, so these are the same values)."""
    whole = torch.tensor(starts, dtype=like.dtype, device=like.device)[:, None]
    return (whole + torch.arange(n, dtype=like.dtype, device=like.device) + 0.5 - origin) / scale


def to_image(t: torch.Tensor) -> Image.Image:
    """(3, H, W) float in [0, 1] to an 8-bit RGB image, or premultiplied (4, H, W) to straight
    RGBA as PNG holds it, rounding to nearest."""
    t = t.clamp(0, 1)
    if len(t) == 4:
        # Where nothing is drawn any colour will do; black keeps the file small.
        t = torch.cat([t[:3] / t[3:].clamp_min(1e-6), t[3:]]).clamp(0, 1)
    a = (t * 255 + 0.5).to(torch.uint8).permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(np.ascontiguousarray(a), "RGBA" if len(t) == 4 else "RGB")


def flatten(image: Image.Image, background=(1.0, 1.0, 1.0)) -> Image.Image:
    """``image`` as RGB, any transparency laid over ``background`` (RGB floats in [0, 1]; white
    unless said otherwise, as viewers show transparent pictures)."""
    if image.mode != "RGBA":
        return image.convert("RGB")
    under = Image.new("RGBA", image.size, tuple(round(v * 255) for v in background) + (255,))
    return Image.alpha_composite(under, image).convert("RGB")
