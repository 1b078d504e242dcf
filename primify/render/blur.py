"""The blurred raster render: a Gaussian as the SVG's filter draws it, over the shapes inside
the canvas only, blurred over nothing (premultiplied, so nothing bleeds colour).

A blur leaves no detail finer than its deviation. Past ``BLUR_EXACT`` output pixels it is drawn
at a size where the deviation is 4 to 8 pixels, then scaled up, so that its time stops growing
with the deviation (a blur of 8 at 2048 px took 31 s and 816 MB for its 385-tap kernel).
"""

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from . import hard
from .sizes import stretch

if TYPE_CHECKING:
    from ..model import Scene

#: A blur's deviation, in output pixels, up to which it is drawn at the output's own size.
BLUR_EXACT = 8.0
#: Pixels of nothing around a picture drawn small, so that scaling it up has neighbours at
#: its edges to work from (the blur spreads into them).
_PAD = 2


def pictures(scene: "Scene", w: int, h: int, samples: int, blur: float, ends: Sequence[int]) -> Iterator[Image.Image]:
    """``hard.render``'s blurred picture, at w × h, of the scene's first ``end`` shapes for each
    of ``ends`` (increasing): an animation's frames, each shape painted once. The shapes alone
    are drawn, blurred by ``blur`` working-size pixels, and laid over the background."""
    for t in _blurred(scene, w, h, samples, blur, ends):
        if scene.background is not None:
            t = t[:3] + (1 - t[3:]) * torch.tensor(scene.background, dtype=t.dtype, device=t.device)[:, None, None]
        yield hard.to_image(t)


def _blurred(scene: "Scene", w: int, h: int, samples: int, blur: float, ends: Sequence[int]) -> Iterator[torch.Tensor]:
    """The shapes up to each of ``ends``, without the background, drawn at w × h and blurred by
    ``blur`` working-size pixels: premultiplied RGBA (4, h, w). The deviation is ``blur``
    stretched as the canvas is onto w × h (``sizes.stretch``), across and down each their own, as
    an SVG's viewBox stretches its filter: one for both blurred a 900 × 2 picture (20 × 1 at
    ``--size 20``) down its 2 pixels by 45 of them, 23 dB from the SVG."""
    across, down = blur * w / scene.width, blur * h / scene.height
    wider = max(across, down)
    k = int(wider // 4) if wider > BLUR_EXACT else 1
    sw, sh = max(1, round(w / k)), max(1, round(h / k))
    across, down = across * sw / w, down * sh / h
    # Drawn small, a pixel holds k × k of the output's, so it takes more samples a side (up to
    # 16: past that the blur of 4 to 8 of its pixels evens out any difference).
    samples, scale = min(samples * k, max(samples, 16)), stretch(scene, sw, sh)
    layer, done = hard.blank(None, sh, sw), 0
    for end in ends:
        # Painted on from frame to frame, and a copy blurred: an animation drawn anew for each
        # frame took frames × shapes paintings (a minute for 500 shapes at 1000 px).
        shapes = scene.shapes[done:end]
        for shape, cov in zip(shapes, hard.coverages(layer, shapes, samples, scale)):
            hard.paint(layer, shape, bands=cov)
        done = end
        t = layer[None]
        if k > 1:
            t = F.pad(t, (_PAD,) * 4)
        # Separable: along rows, then along columns.
        (row, mx), (column, my) = _taps(across, t), _taps(down, t)
        t = F.conv2d(F.conv2d(t, row, padding=(0, mx), groups=4), column.transpose(2, 3), padding=(my, 0), groups=4)
        if k > 1:
            t = _scaled_up(t, w, h).clamp(0, 1)
            t = torch.cat([torch.minimum(t[:, :3], t[:, 3:]), t[:, 3:]], dim=1)  # premultiplied stays so
        yield t[0]


def _taps(sigma: float, like: torch.Tensor) -> tuple[torch.Tensor, int]:
    """A Gaussian of deviation ``sigma`` pixels as a row kernel for 4 channels (4, 1, 1, 2m + 1),
    and its reach m (three deviations, one pixel at least)."""
    m = max(1, int(np.ceil(3 * sigma)))
    taps = torch.exp(-0.5 * (torch.arange(-m, m + 1, dtype=like.dtype, device=like.device) / sigma) ** 2)
    return (taps / taps.sum()).view(1, 1, 1, -1).expand(4, 1, 1, -1), m


def _scaled_up(t: torch.Tensor, w: int, h: int) -> torch.Tensor:
    """(1, C, h', w'), a picture with ``_PAD`` pixels around it, resampled (bicubic) to the
    picture alone at w × h, each output pixel's centre taken where it lies on the small one."""
    _, _, ph, pw = t.shape
    sw, sh = pw - 2 * _PAD, ph - 2 * _PAD
    xs = ((torch.arange(w, dtype=t.dtype, device=t.device) + 0.5) * sw / w + _PAD) / pw * 2 - 1
    ys = ((torch.arange(h, dtype=t.dtype, device=t.device) + 0.5) * sh / h + _PAD) / ph * 2 - 1
    grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1)[None]
    return F.grid_sample(t, grid, mode="bicubic", align_corners=False)
