"""primify: rebuild pictures from geometric primitives with a soft, annealed rasterizer.

``convert`` turns a picture into a ``Scene``; ``Scene.save`` writes it as PNG, JPEG, SVG, JSON
or GIF, ``Scene.render`` draws it at any size, and ``load_scene`` reads a saved one back.
"""

import importlib as _importlib

from .startup import collector_off as _collector_off
from .version import __version__

# Names are imported where they are first used (PEP 562), so that importing primify, or its
# command line, costs nothing until torch is needed: the command line starts -j's workers first.
_HOMES = {
    "convert": ".api",
    "pick_device": ".api",
    "parse_colour": ".colours",
    "Interrupted": ".fit.optimize",
    "Progress": ".fit.optimize",
    "open": ".io.picture",
    "load_scene": ".io.scenefile",
    "Scene": ".model",
    "Shape": ".model",
    "to_svg": ".render.svg",
    "Settings": ".settings",
    "KINDS": ".shapes",
    "resolve_kind": ".shapes",
}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'primify' has no attribute {name!r}")
    with _collector_off():
        module = _importlib.import_module(_HOMES[name], __name__)
    value = getattr(module, "open_picture" if name == "open" else name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


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
