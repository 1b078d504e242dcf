"""primify: rebuild pictures from geometric primitives with a soft, annealed rasterizer.

``convert`` turns a picture into a ``Scene``; ``Scene.save`` writes it as PNG, JPEG, SVG, JSON
or GIF, ``Scene.render`` draws it at any size, and ``load_scene`` reads a saved one back.
"""

import gc as _gc

# Importing torch makes a few hundred thousand objects that live as long as the process, and the
# collector scanning them again and again while they are made took a tenth of a second of every
# command's start-up. So it waits, and what the imports made goes straight to the oldest
# generation (freeze, then unfreeze), where scanning would have moved it; objects another program
# froze itself are left frozen.
_collecting, _frozen = _gc.isenabled(), _gc.get_freeze_count()
_gc.disable()
try:
    from .api import convert, pick_device
    from .colours import parse_colour
    from .fit.optimize import Interrupted, Progress
    from .io.picture import open_picture as open  # noqa: F401 (public, kept out of __all__: see below)
    from .io.scenefile import load_scene
    from .model import Scene, Shape
    from .render.svg import to_svg
    from .settings import Settings
    from .shapes import KINDS, resolve_kind
    from .version import __version__
finally:
    if not _frozen:
        _gc.freeze()
        _gc.unfreeze()
    if _collecting:
        _gc.enable()

# ``primify.open`` (as ``PIL.Image.open``) is left out so that ``from primify import *`` cannot
# hide the built-in ``open``.
__all__ = [
    "convert",
    "load_scene",
    "pick_device",
    "Interrupted",
    "Progress",
    "Scene",
    "Shape",
    "Settings",
    "KINDS",
    "resolve_kind",
    "parse_colour",
    "to_svg",
    "__version__",
]
