"""SVG export: the PNG's picture as a document that design tools and web pages work with.

Geometry is in working-size pixels (the ``viewBox``); ``width`` and ``height`` are the PNG's
size. Shapes keep the PNG's painter's order, colours and opacity, grouped into Inkscape layers
from coarse to fine and clipped to the canvas, so the drawing's bounds are the page. Every byte
counts for placeholders inlined in pages: numbers are written in their shortest form, path data
without needless spaces, and an opacity that all shapes share once on their group.
"""

import hashlib
from xml.sax.saxutils import escape, quoteattr

from .. import checks
from ..model import Scene, shapes_word
from ..shapes import resolve_kind
from ..version import __version__

INKSCAPE = "http://www.inkscape.org/namespaces/inkscape"
#: A scene whose shapes use at most this fraction as many colours as they number has a palette:
#: each colour becomes one CSS class, so one rule recolours every shape of it.
PALETTE_SHARE = 0.5


def number(v: float, precision: int) -> str:
    """``v`` rounded to ``precision`` decimals in its shortest form: 250, 2.5, .25, -.5, 0."""
    text = f"{v:.{precision}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    sign, body = ("-", text[1:]) if text.startswith("-") else ("", text)
    if body.startswith("0."):
        body = body[1:]
    return "0" if body in ("0", "") else sign + body


def hex_colour(rgb) -> str:
    """(r, g, b) floats in [0, 1] to ``#rrggbb``, rounding as the PNG does; ``#rgb`` where that is the same."""
    text = "".join(f"{min(255, max(0, int(v * 255 + 0.5))):02x}" for v in rgb)
    return "#" + (text[::2] if text[::2] == text[1::2] else text)


def layers(n: int) -> list[range]:
    """The layers of ``n`` shapes in painter's order, coarse to fine: the last holds the second
    half of the shapes, the one before it the quarter before that, and so on, down to a first
    layer of at least 16 shapes, with 8 layers at most (2048 shapes: 1-16, 17-32, ... 1025-2048).
    Fewer than 32 shapes make one layer, which the SVG leaves out: placeholders count bytes."""
    cuts = [n]
    while len(cuts) < 8 and cuts[-1] // 2 >= 16:
        cuts.append(cuts[-1] // 2)
    bounds = [0] + cuts[::-1]
    return [range(a, b) for a, b in zip(bounds, bounds[1:], strict=False)]


def _tag(name: str, attrs: dict[str, str], inner: str = "") -> str:
    text = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
    return f"<{name}{text}>{inner}</{name}>" if inner else f"<{name}{text}/>"


def to_svg(
    scene: Scene, precision: int = 2, blur: float = 0, size: tuple[int, int] | None = None, about: str = ""
) -> str:
    """The scene as an SVG document, ``size`` (width, height) pixels big (default: the working
    size). Coordinates are working-size pixels with ``precision`` decimals. ``blur`` (working-size
    pixels) adds a Gaussian blur filter, for blurred placeholders. A transparent background (None)
    is no element at all. ``about`` (escaped) ends the ``<desc>``, which names primify's version
    and the settings that the scene shows. Raises ValueError for a ``precision`` that is not a
    whole number from 0 to 6 or a ``blur`` below 0, and TypeError for a ``scene`` that is not one."""
    if not isinstance(scene, Scene):
        raise TypeError(f"to_svg takes a primify.Scene, not {type(scene).__name__}")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 6:
        raise ValueError(f"precision must be a whole number of decimals from 0 to 6, not {precision!r}")
    blur = checks.real(0, max(scene.width, scene.height))("blur", blur)
    scale = max(scene.width, scene.height)
    fmt = lambda v: number(v * scale, precision)
    w, h = scene.width, scene.height
    shapes = scene.shapes
    colours = sorted(
        {hex_colour(s.colour) for s in shapes}
        | ({hex_colour(scene.background)} if scene.background is not None else set())
    )
    classes = len(shapes) > 1 and len(colours) <= PALETTE_SHARE * len(shapes)
    # Opacity to two decimals; to one at precision 0, where placeholders count every byte.
    opacity = lambda s: number(s.alpha, 1 if precision == 0 else 2)
    alphas = {opacity(s) for s in shapes}
    shared = alphas.pop() if len(alphas) == 1 else None

    def paint(rgb, stroke: bool) -> dict[str, str]:
        colour = hex_colour(rgb)
        if classes:
            return {"class": f"c{colours.index(colour)}"}
        return {"fill": "none", "stroke": colour} if stroke else {"fill": colour}

    def shape(s) -> str:
        kind = resolve_kind(s.kind)
        tag, attrs = kind.svg(s.params, fmt)
        attrs.update(paint(s.colour, getattr(kind, "paint", "fill") == "stroke"))
        if shared is None and opacity(s) != "1":
            attrs["opacity"] = opacity(s)
        return _tag(tag, attrs)

    groups = layers(len(shapes))
    named = len(groups) > 1
    drawn = ["".join(shape(shapes[k]) for k in part) for part in groups]
    # The document's own ids and style rules: inlined in a page beside other SVGs, a shared
    # "#a" or ".c0" would clip, blur or colour the others' shapes (and a page's own elements).
    # Named from what it draws, so the same scene always gives the same bytes.
    key = "p" + hashlib.sha1(f"{w} {h} {blur} {colours} {''.join(drawn)}".encode()).hexdigest()[:6]
    head = {"xmlns": "http://www.w3.org/2000/svg"} | ({"xmlns:inkscape": INKSCAPE} if named else {})
    width, height = size or (w, h)
    head |= {"width": str(width), "height": str(height), "viewBox": f"0 0 {w} {h}"}
    if width * h != height * w:
        # Whole pixels rarely keep the working size's aspect exactly: the drawing fills the page
        # as the PNG does, rather than leaving a sliver of it empty.
        head["preserveAspectRatio"] = "none"
    parts = [_tag("desc", {}, escape(_describe(scene, about)))]
    if classes:
        head["id"] = key
        rules = "".join(f"#{key} .c{i}{{color:{c}}}" for i, c in enumerate(colours))
        parts.append(
            f"<style>{rules}#{key} [class]{{fill:currentColor}}"
            f"#{key} [stroke-width]{{fill:none;stroke:currentColor}}</style>"
        )
    canvas = {"width": str(w), "height": str(h)}
    if blur > 0:
        # The filter region is the canvas: it clips the drawing to the page, as the clip path
        # does without blur, and every renderer blurs the same pixels (librsvg blurs only what
        # lies inside the canvas whatever the region). The shapes blur over nothing onto the
        # background below, which is what blurring them together with it gives.
        parts.append(
            _tag(
                "filter",
                {
                    "id": f"{key}b",
                    "x": "0",
                    "y": "0",
                    **canvas,
                    "filterUnits": "userSpaceOnUse",
                    "color-interpolation-filters": "sRGB",
                },
                _tag("feGaussianBlur", {"stdDeviation": number(blur, 2)}),
            )
        )
        outer = {"filter": f"url(#{key}b)"}
    else:
        parts.append(_tag("clipPath", {"id": f"{key}a"}, f'<path d="M0 0h{w}v{h}H0z"/>'))
        outer = {"clip-path": f"url(#{key}a)"}
    if shared is not None and shared != "1":
        # Inherited by every shape, so each needs none of its own.
        paints = {getattr(resolve_kind(s.kind), "paint", "fill") for s in shapes}
        outer |= {f"{p}-opacity": shared for p in ("fill", "stroke") if p in paints}
    if scene.background is not None:
        parts.append(_tag("rect", canvas | paint(scene.background, False)))
    body = []
    for i, (part, inner) in enumerate(zip(groups, drawn, strict=True), 1):
        body.append(
            _tag(
                "g",
                {
                    "id": f"{key}l{i}",
                    "inkscape:groupmode": "layer",
                    "inkscape:label": f"shapes {part.start + 1}-{part.stop}",
                },
                inner,
            )
            if named
            else inner
        )
    parts.append(_tag("g", outer, "".join(body)))
    return _tag("svg", head, "".join(parts))


def _describe(scene: Scene, about: str) -> str:
    """What made the SVG, for its ``<desc>``: settings only, never input text such as file names
    (the output settings, precision and blur, show in the SVG itself)."""
    kinds: dict[str, int] = {}
    for s in scene.shapes:
        kinds[s.kind] = kinds.get(s.kind, 0) + 1
    used = ", ".join(kinds) if len(kinds) == 1 else ", ".join(f"{k} {n}" for k, n in kinds.items())
    n = len(scene.shapes)
    made = [
        f"primify {__version__}",
        f"{n} {shapes_word(n)}" + (f" ({used})" if n else ""),
        f"{scene.width}x{scene.height} px",
    ]
    return ", ".join(made + ([about] if about else []))
