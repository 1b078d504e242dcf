"""The SVG holds the same picture as the PNG."""

import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import resvg_py
from PIL import Image

import primify
from primify.shapes import KINDS
from primify.svg import to_svg


def rasterize(svg: str) -> np.ndarray:
    png = bytes(resvg_py.svg_to_bytes(svg_string=svg))
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float64)


@pytest.mark.parametrize("kind", list(KINDS))
def test_svg_rendered_by_a_real_renderer_matches_the_png(kind, picture, fast, gen):
    scene = primify.convert(picture, fast, kinds=(kind,), generator=gen)
    png = np.asarray(scene.render(), dtype=np.float64)
    svg = rasterize(to_svg(scene))
    assert svg.shape == png.shape
    psnr = 10 * np.log10(255 ** 2 / ((png - svg) ** 2).mean())
    assert psnr >= 35


def test_svg_has_a_viewbox_background_and_one_element_per_shape(picture, fast, gen):
    scene = primify.convert(picture, fast, kinds=("triangle", "circle"), generator=gen)
    root = ET.fromstring(to_svg(scene))
    assert root.get("viewBox") == "0,0,48,36"
    drawn = [el for el in root if not el.tag.endswith("defs")]
    assert len(drawn) == 1 + len(scene.shapes)
    assert drawn[0].get("fill") == "#" + "".join(f"{round(v * 255):02x}" for v in scene.background)
