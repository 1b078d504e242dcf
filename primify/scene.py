"""The result of a conversion: a background and shapes in painter's order, resolution-free.

Coordinates are in units of the canvas's longer side, so the canvas spans
[0, width / L] × [0, height / L] with L = max(width, height), and any output size renders the
same picture.
"""

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .raster import hard_coverage, solid
from .shapes import KINDS

#: Sub-pixel samples per side for the anti-aliased hard render.
SUPERSAMPLE = 4
#: Pixels of one shape handled at once, and of a render's band, so huge outputs stay in
#: bounded memory.
_MAX_POINTS, _MAX_BAND = 1 << 20, 1 << 22


@dataclass
class Shape:
    """One painted shape: its kind's name, its parameters (see the kind), colour and opacity."""

    kind: str
    params: tuple[float, ...]
    colour: tuple[float, float, float]
    alpha: float = 1.0


@dataclass
class Scene:
    """A background colour and shapes in painter's order, on a ``width`` × ``height`` canvas (the
    working size in pixels, which fixes the aspect ratio and the default render size). A
    ``background`` of None is transparent: the shapes lie over nothing, and renders have alpha."""

    width: int
    height: int
    background: tuple[float, float, float] | None
    shapes: list[Shape] = field(default_factory=list)

    def size_for(self, longer: int | None = None) -> tuple[int, int]:
        """Pixel size (width, height) of a render whose longer side is ``longer``."""
        if longer is None:
            return self.width, self.height
        long_side = max(self.width, self.height)
        return (max(1, round(self.width * longer / long_side)),
                max(1, round(self.height * longer / long_side)))

    def render_tensor(self, longer: int | None = None, device: torch.device | str = "cpu",
                      samples: int = SUPERSAMPLE, margin: int = 0) -> torch.Tensor:
        """The hard, anti-aliased render as a float tensor (3, H, W) in [0, 1], with ``margin``
        more pixels of the scene (and its background) on every side; premultiplied RGBA
        (4, H, W) when the background is transparent."""
        w, h = self.size_for(longer)
        return self._band(w, h, 0, h, samples, margin, device)

    def _band(self, w: int, h: int, top: int, bottom: int, samples: int, margin: int = 0,
              device: torch.device | str = "cpu") -> torch.Tensor:
        """Rows ``top``..``bottom`` of the w × h render (and ``margin`` pixels around)."""
        background = (0.0,) * 4 if self.background is None else self.background
        canvas = torch.tensor(background, dtype=torch.float32, device=device)[:, None, None]
        canvas = canvas.expand(len(background), bottom - top + 2 * margin, w + 2 * margin).clone()
        for shape in self.shapes:
            paint(canvas, shape, samples, max(w, h), (margin, margin - top))
        return canvas

    def render(self, longer: int | None = None, samples: int = SUPERSAMPLE, blur: float = 0) -> Image.Image:
        """The hard, anti-aliased render as an 8-bit RGB image (RGBA when the background is
        transparent) with longer side ``longer`` (default: the working size), blurred by a
        Gaussian of ``blur`` working-size pixels as the SVG's filter does (what lies past the
        edges is drawn and blurred in too; premultiplied, so nothing bleeds colour)."""
        w, h = self.size_for(longer)
        if blur <= 0:
            # Band by band, so that a poster-sized render needs memory for its bytes only.
            rows = max(1, _MAX_BAND // w)
            bands = [np.asarray(to_image(self._band(w, h, top, min(h, top + rows), samples))) for top in range(0, h, rows)]
            return Image.fromarray(np.concatenate(bands) if len(bands) > 1 else bands[0])
        sigma = blur * max(w, h) / max(self.width, self.height)
        m = int(np.ceil(3 * sigma))
        # An exact Gaussian, separable; the margin holds everything it reaches.
        taps = torch.exp(-0.5 * (torch.arange(-m, m + 1, dtype=torch.float32) / sigma) ** 2)
        t = self.render_tensor(longer, samples=samples, margin=m)[None]
        c = t.shape[1]
        taps = (taps / taps.sum()).view(1, 1, 1, -1).expand(c, 1, 1, -1)
        t = F.conv2d(F.conv2d(t, taps, groups=c), taps.transpose(2, 3), groups=c)
        return to_image(t[0])


def paint(canvas: torch.Tensor, shape: Shape, samples: int = SUPERSAMPLE, scale: int | None = None,
          offset: int | tuple[int, int] = 0) -> None:
    """Paints one shape onto ``canvas`` (3, H, W), or premultiplied RGBA (4, H, W), in place,
    touching only its bounding box.

    The picture's longer side is ``scale`` pixels (default: the canvas's), and its origin lies
    ``offset`` pixels, or (x, y) pixels, right of and below the canvas's top-left corner.
    """
    _, h, w = canvas.shape
    scale = scale or max(h, w)
    ox, oy = offset if isinstance(offset, tuple) else (offset, offset)
    kind = KINDS[shape.kind]
    p = torch.tensor([shape.params], dtype=canvas.dtype, device=canvas.device)
    x0, y0, x1, y1 = (kind.bbox(p)[0] * scale + torch.tensor([ox, oy, ox, oy])).tolist()
    c0, c1 = max(0, int(np.floor(x0))), min(w, int(np.ceil(x1)) + 1)
    r0, r1 = max(0, int(np.floor(y0))), min(h, int(np.ceil(y1)) + 1)
    if c0 >= c1 or r0 >= r1:
        return
    colour = solid(torch.tensor(shape.colour, dtype=canvas.dtype, device=canvas.device), len(canvas))[:, None, None]
    xs = ((torch.arange(c0, c1, device=canvas.device, dtype=canvas.dtype) + 0.5 - ox) / scale)[None, None, :]
    rows = max(1, _MAX_POINTS // (c1 - c0))
    for top in range(r0, r1, rows):
        bottom = min(r1, top + rows)
        ys = ((torch.arange(top, bottom, device=canvas.device, dtype=canvas.dtype) + 0.5 - oy) / scale)[None, :, None]
        cov = hard_coverage(kind.sdf, p, xs, ys, 1 / scale, samples)[0]
        patch = canvas[:, top:bottom, c0:c1]
        patch += (shape.alpha * cov) * (colour - patch)


def to_image(t: torch.Tensor) -> Image.Image:
    """(3, H, W) float in [0, 1] to an 8-bit RGB image, or premultiplied (4, H, W) to straight
    RGBA as PNG holds it, rounding to nearest."""
    t = t.clamp(0, 1)
    if len(t) == 4:
        # Where nothing is drawn any colour will do; black keeps the file small.
        t = torch.cat([t[:3] / t[3:].clamp_min(1e-6), t[3:]]).clamp(0, 1)
    a = (t * 255 + 0.5).to(torch.uint8).permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(np.ascontiguousarray(a), "RGBA" if len(t) == 4 else "RGB")
