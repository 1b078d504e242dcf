"""The result of a conversion: a background and shapes in painter's order, resolution-free.

Coordinates are in units of the canvas's longer side, so the canvas spans
[0, width / L] × [0, height / L] with L = max(width, height), and any output size renders the
same picture.
"""

import io
import numbers
import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
from PIL import Image

from . import checks
from .colours import rgb
from .io.picture import MAX_PIXELS
from .render import hard, sizes
from .shapes import is_size, resolve_kind

#: The largest size of any shape parameter: lengths are in units of the canvas's longer side and
#: angles in radians, so this is far beyond any picture, and past it a render overflows.
MAX_PARAM = 1000.0


def with_article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def shapes_word(n: int) -> str:
    """ "shape" or "shapes", as ``n`` of them are said."""
    return "shape" if n == 1 else "shapes"


@dataclass(frozen=True)
class Shape:
    """One painted shape: its kind's name, its parameters (see the kind), colour (RGB in [0, 1])
    and opacity in (0, 1]. Checked when made: a Shape that exists can be rendered."""

    kind: str
    params: tuple[float, ...]
    colour: tuple[float, float, float]
    alpha: float = 1.0

    def __post_init__(self):
        if not isinstance(self.kind, str):
            raise TypeError(f"a shape's kind must be a kind's name, not {self.kind!r}")
        names = resolve_kind(self.kind).params
        wants = (
            f"{with_article(self.kind)}'s params must be {len(names)} numbers from -{MAX_PARAM:g} to {MAX_PARAM:g} "
            f"({', '.join(names)}), not {self.params!r}"
        )
        try:
            params = tuple(float(v) for v in self.params)
        except (TypeError, ValueError):  # not numbers, or not a sequence: say which argument
            raise TypeError(wants) from None
        if len(params) != len(names) or not all(abs(v) <= MAX_PARAM for v in params):
            raise ValueError(wants)
        for name, value in zip(names, params):
            if value < 0 and is_size(name):
                raise ValueError(f"{with_article(self.kind)}'s {name} is a size and may not be negative, not {value!r}")
        wants = f"a shape's alpha must be a number in (0, 1], not {self.alpha!r}"
        try:
            alpha = float(self.alpha)
        except (TypeError, ValueError):
            raise TypeError(wants) from None
        if not 0 < alpha <= 1:
            raise ValueError(wants)
        # Frozen: the checked values replace the given ones the one way a frozen dataclass allows.
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "colour", rgb(self.colour, "a shape's colour"))
        object.__setattr__(self, "alpha", alpha)


def _checked(name: str, value):
    """A ``Scene`` field's value as the scene keeps it, or a ValueError or TypeError saying why not."""
    if name in ("width", "height"):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"a scene's {name} must be a whole number of pixels of at least 1, not {value!r}")
        return int(value)
    if name == "source":
        pair = value is None or (
            isinstance(value, (tuple, list))
            and len(value) == 2
            and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in value)
        )
        if not pair:
            raise ValueError(f"a scene's source must be None or (width, height) in whole pixels, not {value!r}")
        return None if value is None else (int(value[0]), int(value[1]))
    if name == "background":
        if isinstance(value, str) and value.strip().lower() == "transparent":
            raise ValueError("a scene's background is None where it is transparent, not 'transparent'")
        return None if value is None else rgb(value, "a scene's background")
    if name == "shapes":
        try:
            shapes = list(value)
        except TypeError:
            raise TypeError(f"a scene's shapes must be a list of primify.Shape objects, not {value!r}") from None
        for shape in shapes:
            if not isinstance(shape, Shape):
                raise TypeError(f"a scene's shapes must be primify.Shape objects, not {type(shape).__name__}")
        # The caller's own list where it was one, as before: appending to it adds to the scene.
        return value if isinstance(value, list) else shapes
    return value


@dataclass
class Scene:
    """A background colour and shapes in painter's order, on a ``width`` × ``height`` canvas (the
    working size in pixels, which fixes the default render size). A ``background`` of None is
    transparent: the shapes lie over nothing, and renders have alpha. ``source`` is the
    (width, height) of the picture fitted, where known: renders of a given size take its
    proportions, which the working size's whole pixels only come near (a 3000 × 2000 photo
    works at 256 × 171, and 3000 px wide would otherwise be 2004 high)."""

    width: int
    height: int
    background: tuple[float, float, float] | None
    shapes: list[Shape] = field(default_factory=list)
    source: tuple[int, int] | None = None

    def __setattr__(self, name: str, value) -> None:
        # Checked at every assignment, the constructor's too: a scene that exists can be drawn
        # (a width set to -5 afterwards overflowed deep in torch; a background of 2 was clamped).
        super().__setattr__(name, _checked(name, value))

    def __post_init__(self) -> None:
        # Once made, not at each assignment: resized in place, a scene passes through other
        # proportions (a render of a given size checks again, and save).
        self._check_source()

    def _check_source(self, advice: str = "") -> None:
        """A ValueError, ending in ``advice``, where the source is not of the canvas's proportions."""
        if self.source is None:
            return
        try:
            sizes.same_shape("a scene's source", self.source, (self.width, self.height), "its canvas's")
        except ValueError as e:
            raise ValueError(f"{e}{advice}") from None

    def size_for(self, size: int | None = None) -> tuple[int, int]:
        """Pixel size (width, height) of a render whose longer side is ``size``, in the proportions
        of the ``source`` where known (None: the working size). Raises ValueError unless ``size``
        is a whole number of at least 1."""
        if size is None:
            return self.width, self.height
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError(f"a render's size must be a whole number of pixels of at least 1, not {size!r}")
        # Resized in place, a scene kept the old source, which stretched every render of a size.
        self._check_source(": a scene resized in place needs a source to match (or None)")
        return sizes.size_for(*(self.source or (self.width, self.height)), size)

    def render_tensor(
        self,
        size: int | None = None,
        device: torch.device | str = "cpu",
        samples: int = hard.SUPERSAMPLE,
        margin: int = 0,
        *,
        max_pixels: int = MAX_PIXELS,
    ) -> torch.Tensor:
        """The hard, anti-aliased render as a float tensor (3, H, W) in [0, 1], with ``margin``
        more pixels of the scene (and its background) on every side; premultiplied RGBA
        (4, H, W) when the background is transparent. ``max_pixels`` as in ``render``."""
        w, h = self._within(size, max_pixels)
        margin = checks.whole(0)("margin", margin)  # a negative one cropped the render
        return hard.band(self, w, h, 0, h, checks.whole(1)("samples", samples), margin, device)

    def render(
        self, size: int | None = None, samples: int = hard.SUPERSAMPLE, blur: float = 0, *, max_pixels: int = MAX_PIXELS
    ) -> Image.Image:
        """The hard, anti-aliased render as an 8-bit RGB image (RGBA when the background is
        transparent) with longer side ``size`` (default: the working size), blurred by a
        Gaussian of ``blur`` working-size pixels as the SVG's filter does (the shapes inside the
        canvas, blurred over nothing, laid over the background). A render of more than
        ``max_pixels`` pixels (the command line's default limit) is a ValueError before any
        drawing: a size mistyped by a few zeros would take all memory and hours."""
        self._within(size, max_pixels)
        return hard.render(self, size, samples, blur)

    def _within(self, size: int | None, max_pixels: int) -> tuple[int, int]:
        """``size_for(size)``, or a ValueError where that is more than ``max_pixels`` pixels."""
        w, h = self.size_for(size)
        limit = checks.whole(1)("max_pixels", max_pixels)
        if w * h > limit:
            raise ValueError(
                f"a render of {w}×{h} is {w * h:,} pixels, over max_pixels ({limit:,}): "
                "ask a smaller size, or a larger max_pixels"
            )
        return w, h

    def save(
        self,
        path: str | os.PathLike,
        size: int | None = None,
        *,
        precision: int | None = None,
        blur: float = 0,
        every: int | None = None,
        max_pixels: int = MAX_PIXELS,
    ) -> None:
        """Writes the scene to ``path`` in the format its extension names, as the command line
        does: ``.png`` or ``.jpg`` rendered with longer side ``size`` (default: the working
        size; a transparent scene's JPEG lies over white), ``.svg`` (or ``.uri``) with
        ``precision`` decimals (default 2), ``.json`` the scene file that ``primify.load_scene`` reads, ``.gif`` an
        animation of the shapes being added, ``every`` shapes a frame. ``blur`` and
        ``max_pixels`` (for the PNG, JPEG and GIF) are as in ``render``. The file appears whole
        or not at all; an existing one is replaced. A wrong option is a ValueError or TypeError
        naming it, raised before anything is written."""
        from .io import formats  # formats writes Scenes, so it is imported when used, not at the top

        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a file's name (a str or os.PathLike), not {type(path).__name__}")
        path = Path(path)
        if why := formats.unwritable(path):
            raise ValueError(f"cannot save '{path}': {why}")
        # Ignored without a word, as the command line's options were, they would only mislead.
        suffix = path.suffix.lower()
        for name, given in (("size", size is not None), ("blur", blur != 0)):
            if given and suffix == ".json":
                raise ValueError(f"{name}: a .json scene file is not drawn, so it takes no {name}")
        if every is not None and suffix != ".gif":
            raise ValueError(f"every: it sets the shapes a GIF's frame adds, and '{path.name}' is no GIF")
        if precision is not None and suffix not in (".svg", ".uri"):
            raise ValueError(f"precision: it sets an SVG's decimals, and '{path.name}' is no SVG")
        self.size_for(size)
        if formats.FORMATS[path.suffix.lower()] in formats.RASTERS:
            self._within(size, max_pixels)
        if path.suffix.lower() == ".json":
            from .io.scenefile import from_dict, to_dict

            # A scene file is for reading back: one that load_scene would refuse is not written.
            try:
                from_dict(to_dict(self))
            except ValueError as e:
                raise ValueError(f"cannot save '{path}': {e}") from None
        blur, every = checks.real(0)("blur", blur), checks.whole(1, optional=True)("every", every)
        precision = formats.Look.precision if precision is None else precision
        formats.write(self, path, formats.Look(size, precision, blur, every))

    def _repr_svg_(self) -> str:
        from .render.svg import to_svg  # svg draws Scenes, so it is imported when used

        return to_svg(self)

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.render().save(buf, "PNG")
        return buf.getvalue()
