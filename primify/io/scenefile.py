"""Scenes as JSON: a documented, versioned format that ``primify render`` and ``--init`` read.

Version 1 looks like this (``README.md`` documents it for other tools)::

    {"format": "primify-scene", "version": 1,
     "width": 256, "height": 192, "background": [0.42, 0.38, 0.30],
     "shapes": [{"kind": "triangle",
                 "params": {"x0": 0.1, "y0": 0.2, "x1": 0.5, "y1": 0.1, "x2": 0.3, "y2": 0.6},
                 "colour": [0.9, 0.8, 0.1], "alpha": 0.75}, ...]}

Colours are RGB floats in [0, 1]; a ``null`` background is transparent. An optional ``"source":
[width, height]`` is the size of the picture fitted: renders of a given size take its
proportions, which the canvas's whole pixels only come near. Lengths are in units of the
canvas's longer side (the canvas spans [0, width/L] × [0, height/L], L = max(width, height));
angles are in radians. Shapes are listed in painter's order. Each kind's parameter names are
those of ``primify.KINDS[kind].params``.
"""

import json
import math
import os
from typing import IO

from ..model import MAX_PARAM, Scene, Shape, with_article
from ..render.sizes import same_shape
from ..shapes import resolve_kind

FORMAT, VERSION = "primify-scene", 1


def to_dict(scene: Scene) -> dict:
    """The scene as plain JSON-ready data."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "width": scene.width,
        "height": scene.height,
        "background": None if scene.background is None else list(scene.background),
        # Written only where known, so that a scene made without one reads as it did.
        **({} if scene.source is None else {"source": list(scene.source)}),
        "shapes": [
            {
                "kind": s.kind,
                "params": dict(zip(resolve_kind(s.kind).params, s.params, strict=True)),
                "colour": list(s.colour),
                "alpha": s.alpha,
            }
            for s in scene.shapes
        ],
    }


def dumps(scene: Scene) -> str:
    """The scene as JSON text, one shape per line so that diffs and ``grep`` stay readable."""
    head = {k: v for k, v in to_dict(scene).items() if k != "shapes"}
    rows = ",\n".join("  " + json.dumps(s, separators=(",", ":")) for s in to_dict(scene)["shapes"])
    return json.dumps(head)[:-1] + (', "shapes": [\n' + rows + "\n]}\n" if rows else ', "shapes": []}\n')


#: The largest side of a scene's canvas read from a file, in pixels (a parameter's limit is
#: ``model.MAX_PARAM``).
MAX_SIDE = 65535
#: The largest side of the picture a scene was fitted to, as its file gives it: a picture within
#: any --max-pixels that fits in memory is far smaller.
MAX_SOURCE = 2**31 - 1


def from_dict(data: dict) -> Scene:
    """The scene in ``data``, checked in full: sizes, kinds, parameters, colours and opacities.
    Raises ValueError saying what is wrong with it."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f'not a primify scene (no "format": "{FORMAT}")')
    if "version" not in data:
        raise ValueError('the scene has no "version"')
    # true == 1 in Python, but not in the format.
    if data.get("version") != VERSION or isinstance(data.get("version"), bool):
        raise ValueError(
            f"scene version {json.dumps(data.get('version'))} is not supported (this primify reads version {VERSION})"
        )
    missing = [k for k in ("width", "height", "background", "shapes") if k not in data]
    if missing:
        raise ValueError(f'the scene has no "{missing[0]}"')
    width, height = data["width"], data["height"]
    if not all(_number(v) and v == int(v) and 1 <= v <= MAX_SIDE for v in (width, height)):
        raise ValueError(f"the scene's width and height must be whole numbers from 1 to {MAX_SIDE}")
    background = None if data["background"] is None else _colour(data["background"], "the background")
    if not isinstance(data["shapes"], list):
        raise ValueError('the scene\'s "shapes" must be a list')
    shapes = [_shape(i, s) for i, s in enumerate(data["shapes"])]
    return Scene(int(width), int(height), background, shapes, _source(data.get("source"), int(width), int(height)))


def _source(value, width: int, height: int) -> tuple[int, int] | None:
    """The picture's own size, from the optional ``"source"``: of the canvas's proportions, as
    far as the canvas's whole pixels tell them."""
    if value is None:
        return None
    wants = f'the scene\'s "source" must be [width, height], whole numbers from 1 to {MAX_SOURCE}, '
    if not isinstance(value, list) or len(value) != 2 or not all(_number(v) and v == int(v) for v in value):
        raise ValueError(wants + f"not {value!r}")
    w, h = int(value[0]), int(value[1])
    if not (1 <= w <= MAX_SOURCE and 1 <= h <= MAX_SOURCE):
        raise ValueError(wants + f"not {value!r}")
    try:
        same_shape("", (width, height), (w, h))
    except ValueError:
        raise ValueError(f'the scene\'s "source" is {w}×{h}, not the shape of its canvas ({width}×{height})') from None
    return w, h


def loads(text: str | bytes) -> Scene:
    """The scene in JSON ``text`` (or a file's bytes, UTF-8). Raises ValueError saying what is
    wrong with it."""
    try:
        # A picture given as a scene fails here: its bytes are not UTF-8 text. A byte-order mark,
        # which some editors write, is no part of the JSON.
        text = text.decode("utf-8-sig") if isinstance(text, bytes) else text.removeprefix("\ufeff")
        if not text.strip():
            raise ValueError("it is empty, not a primify scene")
        data = json.loads(text, parse_int=_whole)
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text, which a primify scene (a JSON file) is") from None
    except json.JSONDecodeError as e:
        # An SVG is the output most often mistaken for the scene, which it looks like to a person.
        if e.doc.lstrip().startswith("<"):
            raise ValueError("an SVG or other XML, not a primify scene, which is the JSON of -o x.json") from None
        raise ValueError(f"not valid JSON ({e.msg.removesuffix(' at')} at line {e.lineno})") from None
    except RecursionError:
        raise ValueError("not a scene: its JSON is nested too deeply") from None
    return from_dict(data)


def _whole(digits: str) -> int:
    """A whole number of the JSON text, which Python refuses past 4300 digits with a message
    about its own limits (``sys.set_int_max_str_digits``)."""
    try:
        return int(digits)
    except ValueError:
        raise ValueError(f"not a scene: it has a whole number of {len(digits.lstrip('-'))} digits") from None


def _shape(i: int, s: dict) -> Shape:
    if not isinstance(s, dict):
        raise ValueError(f"shape {i} is not an object with a kind, params, colour and alpha")
    kind = s.get("kind")
    if not isinstance(kind, str):
        raise ValueError(f"shape {i} has no kind name")
    try:
        names = resolve_kind(kind).params
    except ValueError as e:
        raise ValueError(f"shape {i}: {e}") from None
    params = s.get("params")
    if not isinstance(params, dict) or set(params) != set(names):
        raise ValueError(f"shape {i}: {with_article(kind)} has parameters {', '.join(names)}")
    if not all(_number(params[n]) and abs(params[n]) <= MAX_PARAM for n in names):
        raise ValueError(f"shape {i}: parameters must be numbers from -{MAX_PARAM:g} to {MAX_PARAM:g}")
    alpha = s.get("alpha", 1.0)
    if not _number(alpha) or not 0 < alpha <= 1:
        raise ValueError(f"shape {i}: alpha {alpha!r} is not a number in (0, 1]")
    colour = _colour(s.get("colour"), f"shape {i}'s colour")
    try:
        return Shape(resolve_kind(kind).name, tuple(float(params[n]) for n in names), colour, float(alpha))
    except ValueError as e:  # what only a Shape checks, such as a negative size
        raise ValueError(f"shape {i}: {e}") from None


def _number(v) -> bool:
    # JSON's whole numbers have no size limit, and math.isfinite overflows on a huge one.
    if isinstance(v, bool):
        return False
    return isinstance(v, int) or isinstance(v, float) and math.isfinite(v)


def _colour(values, what: str) -> tuple[float, float, float]:
    if not isinstance(values, list) or len(values) != 3 or not all(_number(v) and 0 <= v <= 1 for v in values):
        raise ValueError(f"{what} must be three numbers in [0, 1]")
    return tuple(float(v) for v in values)


def load_scene(source: str | os.PathLike | bytes | bytearray | memoryview | IO) -> Scene:
    """The scene in ``source`` (as ``Scene.save("x.json")`` and ``-o x.json`` write it): a file's
    path, its bytes, or a file object open in text or binary mode. A ``str`` is always a path,
    as ``convert``'s bytes are always contents. Raises OSError if it cannot be read, ValueError
    if it is not a valid scene file, and TypeError for anything else."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return loads(bytes(source))
    if callable(getattr(source, "read", None)):
        named, data = getattr(source, "name", None), source.read()  # a file opened by name has one
    elif isinstance(source, str) and source.lstrip("\ufeff \t\r\n")[:1] in ("{", "["):
        raise ValueError("load_scene reads a path, and this is a scene's JSON text: pass text.encode(), its bytes")
    elif not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"load_scene takes a path, a file's bytes or a file object, not {type(source).__name__}")
    else:
        with open(source, "rb") as f:
            named, data = os.fsdecode(source), f.read()
    try:
        return loads(data)
    except ValueError as e:
        if not isinstance(named, str):
            raise
        # As the command line says it: which of a notebook's files was not a scene.
        raise ValueError(f"cannot read '{named}': {e}") from None
