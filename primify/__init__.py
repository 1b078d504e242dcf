"""primify: rebuild pictures from geometric primitives with a soft, annealed rasterizer."""

from .api import convert, pick_device
from .optimize import Progress
from .scene import Scene, Shape
from .settings import Settings
from .svg import to_svg
from .shapes import KINDS

__all__ = ["convert", "pick_device", "Progress", "Scene", "Shape", "Settings", "KINDS", "to_svg"]
__version__ = "0.1.0"
