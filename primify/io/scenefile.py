"""Scenes as JSON: a documented, versioned format that ``primify render`` and ``--init`` read.

Version 1 looks like this (``README.md`` documents it for other tools)::

    {"format": "primify-scene", "version": 1,
     "width": 256, "height": 192, "background": [0.42, 0.38, 0.30],
     "shapes": [{"kind": "triangle",
                 "params": {"x0": 0.1, "y0": 0.2, "x1": 0.5, "y1": 0.1, "x2": 0.3, "y2": 0.6},
                 "colour": [0.9, 0.8, 0.1], "alpha": 0.75}, ...]}

Colours are RGB floats in [0, 1]; a ``null`` background is transparent. Lengths are in units of the canvas's longer side (the canvas
spans [0, width/L] × [0, height/L], L = max(width, height)); angles are in radians. Shapes are
listed in painter's order. Each kind's parameter names are those of ``primify.KINDS[kind].params``.
"""

import json
import math
import os

from ..model import Scene, Shape
from ..shapes import resolve_kind

FORMAT, VERSION = "primify-scene", 1


def to_dict(scene: Scene) -> dict:
    """The scene as plain JSON-ready data."""
    return {"format": FORMAT, "version": VERSION, "width": scene.width, "height": scene.height,
            "background": None if scene.background is None else list(scene.background),
            "shapes": [{"kind": s.kind, "params": dict(zip(resolve_kind(s.kind).params, s.params, strict=True)),
                        "colour": list(s.colour), "alpha": s.alpha} for s in scene.shapes]}


def dumps(scene: Scene) -> str:
    """The scene as JSON text, one shape per line so that diffs and ``grep`` stay readable."""
    head = {k: v for k, v in to_dict(scene).items() if k != "shapes"}
    rows = ",\n".join("  " + json.dumps(s, separators=(",", ":")) for s in to_dict(scene)["shapes"])
    return json.dumps(head)[:-1] + (', "shapes": [\n' + rows + "\n]}\n" if rows else ', "shapes": []}\n')


def from_dict(data: dict) -> Scene:
    """The scene in ``data``. Raises ValueError saying what is wrong with it."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not a primify scene (no \"format\": \"{FORMAT}\")")
    if data.get("version") != VERSION:
        raise ValueError(f"scene version {data.get('version')!r} is not supported (this primify reads version {VERSION})")
    try:
        width, height = int(data["width"]), int(data["height"])
        background = None if data["background"] is None else _numbers(data["background"], 3, "background")
        shapes = [_shape(i, s) for i, s in enumerate(data["shapes"])]
    except (KeyError, TypeError) as e:
        raise ValueError(f"scene is missing or mistypes {e}") from None
    if width < 1 or height < 1:
        raise ValueError("scene width and height must be at least 1")
    return Scene(width, height, background, shapes)


def loads(text: str) -> Scene:
    """The scene in JSON ``text``. Raises ValueError saying what is wrong with it."""
    try:
        return from_dict(json.loads(text))
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON ({e.msg} at line {e.lineno})") from None


def _shape(i: int, s: dict) -> Shape:
    kind = s["kind"]
    try:
        names = resolve_kind(kind).params
    except ValueError as e:
        raise ValueError(f"shape {i}: {e}") from None
    if set(s["params"]) != set(names):
        raise ValueError(f"shape {i}: a {kind} has parameters {', '.join(names)}")
    params = _numbers([s["params"][n] for n in names], len(names), f"shape {i} params")
    alpha = float(s.get("alpha", 1.0))
    if not 0 < alpha <= 1:
        raise ValueError(f"shape {i}: alpha {alpha} is not in (0, 1]")
    return Shape(kind, params, _numbers(s["colour"], 3, f"shape {i} colour"), alpha)


def _numbers(values, n: int, what: str) -> tuple[float, ...]:
    out = tuple(float(v) for v in values)
    if len(out) != n or not all(math.isfinite(v) for v in out):
        raise ValueError(f"{what} must be {n} finite numbers")
    return out


def load_scene(path: str | os.PathLike) -> Scene:
    """The scene in the file at ``path`` (as ``Scene.save("x.json")`` and ``-o x.json`` write it).
    Raises OSError if it cannot be read and ValueError if it is not a valid scene file."""
    with open(path, encoding="utf-8") as f:
        return loads(f.read())
