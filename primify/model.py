"""The result of a conversion: a background and shapes in painter's order, resolution-free.

Coordinates are in units of the canvas's longer side, so the canvas spans
[0, width / L] × [0, height / L] with L = max(width, height), and any output size renders the
same picture.
"""

from dataclasses import dataclass, field

import torch
from PIL import Image

from .render import hard


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
        return hard.size_for(self.width, self.height, longer)

    def render_tensor(self, longer: int | None = None, device: torch.device | str = "cpu",
                      samples: int = hard.SUPERSAMPLE, margin: int = 0) -> torch.Tensor:
        """The hard, anti-aliased render as a float tensor (3, H, W) in [0, 1], with ``margin``
        more pixels of the scene (and its background) on every side; premultiplied RGBA
        (4, H, W) when the background is transparent."""
        w, h = self.size_for(longer)
        return hard.band(self, w, h, 0, h, samples, margin, device)

    def render(self, longer: int | None = None, samples: int = hard.SUPERSAMPLE, blur: float = 0) -> Image.Image:
        """The hard, anti-aliased render as an 8-bit RGB image (RGBA when the background is
        transparent) with longer side ``longer`` (default: the working size), blurred by a
        Gaussian of ``blur`` working-size pixels as the SVG's filter does (the shapes inside the
        canvas, blurred over nothing, laid over the background)."""
        return hard.render(self, longer, samples, blur)
