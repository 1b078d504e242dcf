"""primify: rebuild pictures from geometric primitives with a soft, annealed rasterizer.

``convert`` turns a picture into a ``Scene``; ``Scene.save`` writes it as PNG, JPEG, SVG, JSON
or GIF, ``Scene.render`` draws it at any size, and ``load_scene`` reads a saved one back.
"""

from .api import convert, pick_device
from .colours import parse_colour
from .fit.optimize import Interrupted, Progress
# ``primify.open`` as ``PIL.Image.open``; left out of ``__all__`` so that ``from primify import *``
# cannot hide the built-in ``open``.
from .io.picture import open_picture as open
from .io.scenefile import load_scene
from .model import Scene, Shape
from .render.svg import to_svg
from .settings import Settings
from .shapes import KINDS, resolve_kind
from .version import __version__

__all__ = ["convert", "load_scene", "pick_device", "Interrupted", "Progress", "Scene", "Shape", "Settings",
           "KINDS", "resolve_kind", "parse_colour", "to_svg", "__version__"]
