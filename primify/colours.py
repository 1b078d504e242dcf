"""The one colour parser of the library and the command line."""

import numbers

from PIL import ImageColor

Colour = tuple[float, float, float]


def parse_colour(text: str) -> Colour:
    """``#rrggbb``, ``#rgb`` or a CSS colour name (``navy``) as RGB floats in [0, 1]. Raises
    ValueError naming the forms it takes."""
    try:
        rgb = ImageColor.getrgb(text.strip())
    except ValueError:
        rgb = ()
    if len(rgb) != 3:
        raise ValueError(f"'{text}' is not a colour: use #rrggbb, #rgb or a CSS colour name such as navy")
    return tuple(v / 255 for v in rgb)


def rgb(value, name: str = "colour") -> Colour:
    """A colour given as text (see ``parse_colour``) or as three numbers in [0, 1], as RGB floats.
    Raises ValueError or TypeError that begins with ``name`` and says what is taken."""
    if isinstance(value, str):
        try:
            return parse_colour(value)
        except ValueError as e:
            raise ValueError(f"{name} {e}") from None
    wants = "a colour: #rrggbb, #rgb, a CSS name, or three numbers in [0, 1]"
    try:
        values = tuple(value)
    except TypeError:
        raise TypeError(f"{name} must be {wants}, not {value!r}") from None
    if len(values) != 3:
        raise ValueError(f"{name} must be {wants}, not {value!r}")
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
        raise TypeError(f"{name} must be {wants}, not {value!r}")
    floats = tuple(float(v) for v in values)
    if not all(0 <= v <= 1 for v in floats):  # NaN fails this too
        hint = " (divide 0-255 values by 255)" if all(0 <= v <= 255 for v in floats) else ""
        raise ValueError(f"{name} must be three numbers in [0, 1]{hint}, not {value!r}")
    return floats
