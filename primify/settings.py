"""Every knob of a conversion, with its default, in one place, checked when made.

The first nine fields are the user's options (the command line's); the rest tune the optimizer.
Every field is checked and coerced in ``__post_init__``, so a ``Settings`` that exists is valid:
numbers are coerced where that is unambiguous (``alpha=1`` is 1.0, ``shapes=np.int64(5)`` is 5),
colours and kinds are resolved from the words the command line takes, and anything else is a
ValueError or TypeError naming the field and what it accepts. What the optimizer derives from
them (steps, candidates, reach by effort and shape count) is ``Schedule``'s, its base class.
"""

import textwrap
from dataclasses import dataclass, field, fields

from . import checks
from .colours import Colour
from .schedule import Schedule


def _option(default, doc: str, check, tuning: bool = False):
    return field(default=default, metadata={"doc": doc, "check": check, "tuning": tuning})


#: The largest working size: a fit keeps a few dozen float copies of the picture, so 4096 px
#: (16.8 million pixels) is already gigabytes, and more only magnifies a photo's own pixels.
MAX_SIZE = 4096
#: Bounds on knobs whose larger values would only exhaust memory (candidates are scored all at
#: once) or never end: a hundred thousand steps of a batch is hours.
MAX_STEPS, MAX_CANDIDATES = 100_000, 1024
#: Searches of few shapes run in turn past the second: a hundred is already minutes.
MAX_SEARCHES = 100


@dataclass(frozen=True)
class Settings(Schedule):
    """How to convert an image. The defaults are what ``primify convert`` uses."""

    shapes: int = _option(256, "Number of shapes to place (the most, with target_psnr).", checks.whole(1))
    target_psnr: float | None = _option(
        None,
        "Stop adding shapes once the PSNR (dB) at the working size reaches this; None: never.",
        checks.real(0, low_open=True, optional=True),
    )
    kinds: tuple[str, ...] = _option(
        ("triangle",),
        "Shape kinds allowed: a tuple of names, or text as the command line takes it "
        "('triangle,circle', 'all', 'polygon:6'); with several, candidates of every kind compete for each placement.",
        checks.kinds,
    )
    size: int = _option(
        256,
        "Working resolution: the longer side, in pixels, of the picture the shapes are fitted to.",
        checks.whole(8, hi=MAX_SIZE),
    )
    alpha: float | None = _option(
        None, "Fixed opacity in (0, 1]; None learns one per shape.", checks.real(0, 1, low_open=True, optional=True)
    )
    background: Colour | str | None = _option(
        None,
        "Background colour: '#rrggbb', '#rgb', a CSS name or RGB numbers in [0, 1] (kept as floats); "
        "None or 'auto' uses the picture's mean colour, and 'transparent' none at all: the shapes lie over "
        "nothing and renders keep an alpha channel.",
        checks.background,
    )
    palette: tuple[Colour, ...] | int | None = _option(
        None,
        "Colours shapes may take, as colours (text or RGB numbers in [0, 1]); a count from 1 to 256 "
        "picks that many from the picture; None allows any colour.",
        checks.palette,
    )
    edge: str = _option("sigmoid", "Soft edge function while optimizing: 'sigmoid' or 'tanh'.", checks.edge)
    effort: str = _option("default", "How long to search: 'fast', 'default' or 'best' (see EFFORT).", checks.effort)
    few_shapes: int = _option(
        100,
        "Below this many shapes the search grows (see boost) and runs on a shrunk picture (see search_scale), "
        "and the colours (with an automatic background) are solved together at the end: greedy placement "
        "leaves most to gain where shapes are few and large. From this many up, the first quarter of this "
        "many are placed on the shrunk picture. 0 turns all four off.",
        checks.whole(0),
        True,
    )
    search_scale: int = _option(
        16,
        "Below few_shapes, the batches are fitted to the picture shrunk to this many pixels per square root of "
        "the number of shapes (64 at least), and only the last polish works at the working size: a few large "
        "shapes are found as well on a small picture, in much less time. From few_shapes up, the first quarter "
        "of few_shapes are placed there likewise (80 px by default), the rest and the polish at the working "
        "size. 0: always at the working size.",
        checks.whole(0),
        True,
    )
    regrow: int = _option(
        3,
        "At a quarter of few_shapes and below, rounds of regrowth after the search: the quarter of the shapes "
        "that lower the error least are taken out and placed anew where the error is, and all are polished "
        "again; a round is kept where it lowers the error. Greedy placement's first shapes are rarely the best "
        "set when few (a third round: +0.05 dB at 8 triangles, +0.12 at 20 in benchmarks/trials.py, in 1.21 and "
        "1.35 times the fitting time).",
        checks.whole(0),
        True,
    )
    searches: int = _option(
        2,
        "At a fifth of few_shapes and below, how many searches on the shrunk picture (placement and "
        "regrowth) run, each from its own seed and on one thread, the best finished at the working size: a fit "
        "of a few shapes is chaotic, and the best of two scored +0.11 dB at 8 triangles over one (the twelve "
        "benchmark pictures, two seeds), in the same time side by side; at 20 shapes +0.07, +0.10 and +0.04 dB "
        "for triangles, circles and rectangles, the command's time against primitive's going from 0.85 to 0.88, "
        "0.72 to 0.81 and 1.35 to 1.34 (a search on one thread is slower there than on two). Effort fast runs "
        "one, and a "
        "conversion no more than it has threads (torch.get_num_threads()): on one thread, as under -j 2 on two "
        "cores, the core a second search would take is another picture's. The command line runs the second "
        "beside the first (see fit.search).",
        checks.whole(1, hi=MAX_SEARCHES),
        True,
    )
    steps: int = _option(25, "Adam steps per batch of new shapes.", checks.whole(1, hi=MAX_STEPS), True)
    candidates: int = _option(
        8,
        "Random candidates tried per shape at placement; the best ones are optimized.",
        checks.whole(1, hi=MAX_CANDIDATES),
        True,
    )
    temperature_start: float = _option(
        0.15,
        "Soft-edge temperature at the start of each batch, as a fraction of the batch's shape size "
        "(never below temperature_end)...",
        checks.real(0, low_open=True),
        True,
    )
    temperature_end: float = _option(
        0.25,
        "...annealed geometrically to this, in working-size pixels, at the end of each batch, where the "
        "soft image matches the anti-aliased hard render.",
        checks.real(0, low_open=True),
        True,
    )
    max_batch: int = _option(
        128, "The largest number of shapes optimized together in one batch...", checks.whole(1), True
    )
    batch_growth: float = _option(
        0.15,
        "...and the most, as a fraction of the shapes placed so far: smaller is more sequential, slower "
        "and a little better.",
        checks.real(0, low_open=True),
        True,
    )
    min_size: float = _option(
        1.5, "Smallest shape, in working-size pixels across.", checks.real(0, low_open=True), True
    )
    alpha_init: float = _option(
        0.6,
        "Opacity that learned opacity starts from, in (0, 1]: the steps move it only so far, and overlapping "
        "shapes that let some of those below show through fit better (0.8 scored 0.24 dB less at 2048 "
        "triangles and 0.06 less at 500 in trials; from 8 to 50 shapes the two are level within one seed's spread).",
        checks.real(0, 1, low_open=True),
        True,
    )
    lr_geometry: float = _option(
        0.1,
        "Adam learning rate of geometry, as a fraction of the batch's shape size per step (over the square "
        "root of the boost, see refine_rate).",
        checks.real(0),
        True,
    )
    lr_colour: float = _option(0.02, "Adam learning rate of colour, in [0, 1] units per step.", checks.real(0), True)
    lr_alpha: float = _option(0.02, "Adam learning rate of opacity, in [0, 1] units per step.", checks.real(0), True)
    polish_steps: int | None = _option(
        50,
        "Steps of the final joint refinement of all shapes; below few_shapes the search's polishes on the "
        "shrunk picture take up to twice as many (see boost) and the last, at the working size, 2/boost of them "
        "and all at most (see finish_steps; 0 turns it off; None: 50 to 150 by the number of shapes)...",
        checks.whole(0, optional=True, hi=MAX_STEPS),
        True,
    )
    polish_mixed: int = _option(
        2,
        "...times this when several kinds are allowed: a mixed set gains less per polish step than a set of "
        "strokes does, and its steps cost less, so it takes more.",
        checks.whole(1),
        True,
    )
    lr_polish: float = _option(
        1.0, "The polish's learning rate of geometry, in working-size pixels per step...", checks.real(0), True
    )
    lr_polish_colour: float = _option(
        0.02, "...and of colour and opacity, in [0, 1] units per step.", checks.real(0), True
    )
    tile: int = _option(
        8,
        "Tile size, in pixels, that the polish's compositing is split into (twice this below few_shapes).",
        checks.whole(1, hi=MAX_SIZE),
        True,
    )

    @classmethod
    def coerce(cls, name: str, value):
        """``value`` as field ``name`` keeps it, checked as ``Settings(name=value)`` would check it
        (the command line checks each option's text with this as it is parsed)."""
        return cls.__dataclass_fields__[name].metadata["check"](name, value)

    def __post_init__(self):
        for f in fields(self):
            # Frozen: a checked value replaces the given one the one way a frozen dataclass allows.
            object.__setattr__(self, f.name, f.metadata["check"](f.name, getattr(self, f.name)))


def _document(cls):
    """Writes each field's documentation into the class docstring, for help() and Jupyter's ``?``."""
    parts = {False: ["", "Options:"], True: ["", "Tuning (the optimizer's knobs; the defaults are measured):"]}
    for f in fields(cls):
        doc = textwrap.fill(f.metadata["doc"], 96, initial_indent=" " * 8, subsequent_indent=" " * 8)
        parts[f.metadata["tuning"]].append(f"    {f.name} = {f.default!r}\n{doc}")
    cls.__doc__ = "\n".join([cls.__doc__, *parts[False], *parts[True]])
    return cls


_document(Settings)
