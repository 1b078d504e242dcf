"""SVG export: the same shapes, order, colours and opacity as the PNG, scalable by ``viewBox``."""

import numpy as np
import svgwrite

from ..model import Scene
from ..shapes import resolve_kind


class _Element(svgwrite.base.BaseElement):
    """Any SVG element by name; the kinds choose the element, so this stays kind-agnostic."""

    def __init__(self, tag: str, attrs: dict[str, str]):
        self.elementname = tag
        super().__init__(debug=False)
        self.update(attrs)


def hex_colour(rgb) -> str:
    """(r, g, b) floats in [0, 1] to ``#rrggbb``, rounding as the PNG does."""
    return "#" + "".join(f"{min(255, max(0, int(v * 255 + 0.5))):02x}" for v in rgb)


def to_svg(scene: Scene, precision: int = 2, blur: float = 0) -> str:
    """The scene as an SVG document. Geometry is written in working-size pixels with
    ``precision`` decimals; width and height are the working size, and ``viewBox`` lets any
    viewer scale it. ``blur`` (working-size pixels) adds a Gaussian blur filter, for blurred
    placeholders; the background reaches past the edges so they blur into it, not into nothing.
    A transparent background (None) is no element at all: the shapes lie over nothing.
    Raises ValueError for a ``precision`` that is not a whole number from 0 to 6."""
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 6:
        raise ValueError(f"precision must be a whole number of decimals from 0 to 6, not {precision!r}")
    scale = max(scene.width, scene.height)

    def fmt(v: float) -> str:
        text = f"{v * scale:.{precision}f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text

    # A bare <svg> rather than svgwrite's Drawing, which adds an empty <defs> and namespaces
    # that nothing here uses: placeholders inlined in pages count every byte.
    doc = svgwrite.container.SVG(size=(scene.width, scene.height), debug=False)
    doc.elements.remove(doc.defs)
    doc.attribs["xmlns"] = "http://www.w3.org/2000/svg"
    doc.viewbox(0, 0, scene.width, scene.height)
    layer = doc
    if blur > 0:
        m = int(np.ceil(3 * blur))
        box = {"x": str(-m), "y": str(-m), "width": str(scene.width + 2 * m), "height": str(scene.height + 2 * m)}
        doc.add(_Element("filter", {"id": "b", "filterUnits": "userSpaceOnUse", **box}))
        doc.elements[-1].add(_Element("feGaussianBlur", {"stdDeviation": fmt(blur / scale)}))
        layer = _Element("g", {"filter": "url(#b)"})
        doc.add(layer)
        if scene.background is not None:
            layer.add(_Element("rect", {**box, "fill": hex_colour(scene.background)}))
    elif scene.background is not None:
        doc.add(_Element("rect", {"width": str(scene.width), "height": str(scene.height),
                                  "fill": hex_colour(scene.background)}))
    for shape in scene.shapes:
        kind = resolve_kind(shape.kind)
        tag, attrs = kind.svg(shape.params, fmt)
        paint = getattr(kind, "paint", "fill")
        if paint == "stroke":
            attrs["fill"] = "none"
        attrs[paint] = hex_colour(shape.colour)
        if shape.alpha < 0.9995:
            attrs[f"{paint}-opacity"] = f"{shape.alpha:.3f}".rstrip("0")
        layer.add(_Element(tag, attrs))
    return doc.tostring()
