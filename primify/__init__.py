"""primify: rebuild pictures from geometric primitives with a soft, annealed rasterizer."""

import os

# Before torch loads OpenMP: its idle threads sleep instead of spinning. primify's tensors are
# small, so a second thread spent about half its time spinning between operations (a third of
# a process's CPU on 2 cores), and on a busy machine spinning threads stall everyone.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .api import convert, pick_device
from .fit.optimize import Progress
from .model import Scene, Shape
from .render.svg import to_svg
from .settings import Settings
from .shapes import KINDS
from .version import __version__

__all__ = ["convert", "pick_device", "Progress", "Scene", "Shape", "Settings", "KINDS", "to_svg", "__version__"]
