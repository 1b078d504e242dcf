"""How each field of ``Settings`` is checked and coerced when a ``Settings`` is made: each check
takes the field's name and the value given, and returns the value to keep or raises a
ValueError or TypeError naming the field and what it accepts."""

import math
import numbers

from .colours import parse_colour, rgb
from .render.raster import EDGES
from .shapes import parse_kinds

#: What each ``--effort`` multiplies: the refinement steps per batch, the candidates per shape,
#: the final joint refinement's steps and the batches' size (``max_batch`` and ``batch_growth``);
#: the last is how many rounds the final joint refinement takes, each annealed from soft again.
#: ``fast`` takes larger batches because each batch has a cost of its own whatever its steps,
#: and a quarter of the candidates: once the polish got cheaper (8c92869), scoring candidates
#: was fast's largest part, and a fifth of the steps and a quarter of the candidates (against a
#: quarter and a half) cost 0.14 dB at 500 triangles (four benchmark pictures, ad hoc) and
#: brought it back under half the default's time (benchmarks/effort.py).
#: ``best`` tries 4x the candidates (at 500 triangles 0.13 dB more than 2x in trials, at no
#: measurable cost) and polishes five times: at 500 triangles three rounds of 2x gave 0.11 dB
#: more than one polish of 6x, with half the refinement steps, at about the same cost, and a
#: fourth round of 1.75x 0.07 dB more than three, as much as three rounds of 2.5x (ad hoc, on
#: pictures outside the benchmark, once the default had gained 0.12 dB and three rounds gave
#: only +0.53 dB over it on the benchmark's). Five rounds of 1.4x rather than four of 1.75x, the
#: same polish steps in all, scored 0.05 dB more on five pictures outside the benchmark at 500
#: triangles in the same fitting time (ad hoc, one seed) once small batches refined on one
#: thread; a fifth round of 1.75x took over 4x the default's time.
EFFORT = {"fast": (0.2, 0.25, 0.2, 4, 1), "default": (1, 1, 1, 1, 1), "best": (2, 4, 1.4, 1, 5)}


def bad(name: str, wants: str, value, error=ValueError):
    return error(f"{name} must be {wants}, not {value!r}")


def as_float(value: numbers.Real) -> float:
    """``value`` as a float; an integer too large for one is infinite, and so refused as inf is."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def whole(lo: int, optional: bool = False, hi: int | None = None):
    span = f"of at least {lo}" if hi is None else f"from {lo} to {hi:,}"
    wants = f"a whole number {span}" + (" or None" if optional else "")

    def check(name, value):
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise bad(name, wants, value, TypeError)
        if not as_float(value).is_integer() or value < lo or (hi is not None and value > hi):
            raise bad(name, wants, value)
        return int(value)

    return check


def real(lo: float, hi: float = math.inf, low_open: bool = False, optional: bool = False, words: str = ""):
    span = (
        f"in {'(' if low_open else '['}{lo:g}, {hi:g}]"
        if hi < math.inf
        else f"{'above' if low_open else 'at least'} {lo:g}"
    )
    wants = f"a number {span}" + (f" or None{words}" if optional else "")

    def check(name, value):
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise bad(name, wants, value, TypeError)
        v = as_float(value)
        # Infinite values pass every bound but break the fit halfway, so none is taken.
        if not math.isfinite(v) or v < lo or (low_open and v == lo) or v > hi:
            raise bad(name, wants, value)
        return v

    return check


def kinds(name, value) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else list(value) if isinstance(value, (tuple, list)) else None
    if names is None or not all(isinstance(n, str) for n in names):
        raise bad(name, "shape kind names, as text ('triangle,circle', 'all') or a tuple of them", value, TypeError)
    try:
        return parse_kinds(",".join(names))
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None


def background(name, value):
    # Words as CSS colour names are: in any case.
    if value is None or (isinstance(value, str) and value.strip().lower() in ("auto", "transparent")):
        return None if value is None or value.strip().lower() == "auto" else "transparent"
    if isinstance(value, str):
        try:
            return parse_colour(value)
        except ValueError:
            raise ValueError(
                f"{name} '{value}' is not a colour: use auto, transparent, #rrggbb, #rgb or a CSS colour "
                f"name such as navy"
            ) from None
    return rgb(value, name)


def palette(name, value):
    # Text is the command line's (or a file's): it has no RGB triples to offer.
    colours = "colours such as '#264653,navy'" + ("" if isinstance(value, str) else " or RGB triples in [0, 1]")
    wants = f"a count from 1 to 256, or {colours}"
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if not 1 <= value <= 256:
            raise bad(name, wants, value)
        return int(value)
    if isinstance(value, str):
        value = [c for c in value.split(",") if c.strip()]
    if isinstance(value, bool) or not hasattr(value, "__iter__"):
        raise bad(name, wants, value, TypeError)
    value = list(value)
    if len(value) in (3, 4) and all(isinstance(v, numbers.Real) for v in value):
        # One colour's numbers, where a list of colours was meant: "1 is not a colour" said less.
        raise TypeError(f"{name} is a list of colours; one colour is [{tuple(value)!r}]")
    if not 1 <= len(value) <= 256:
        raise ValueError(f"{name} must hold 1 to 256 colours, not {len(value)}")
    return tuple(rgb(c, name) for c in value)


def edge(name, value):
    value = getattr(value, "value", value)  # an Enum of names, as the command line has
    if not isinstance(value, str) or value not in EDGES:
        raise bad(name, " or ".join(EDGES), value, ValueError if isinstance(value, str) else TypeError)
    return value


def effort(name, value):
    value = getattr(value, "value", value)
    if not isinstance(value, str) or value not in EFFORT:
        raise bad(name, " or ".join(EFFORT), value, ValueError if isinstance(value, str) else TypeError)
    return value
