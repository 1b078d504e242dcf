"""primify: rebuild pictures from geometric primitives with a soft, annealed rasterizer."""

from .api import convert, pick_device
from .fit.optimize import Progress
from .model import Scene, Shape
from .render.svg import to_svg
from .settings import Settings
from .shapes import KINDS
from .version import __version__

__all__ = ["convert", "pick_device", "Progress", "Scene", "Shape", "Settings", "KINDS", "to_svg", "__version__"]
