"""Property-based checks over random shapes and random pictures (damaged files: test_damaged.py)."""

import io
import xml.etree.ElementTree as ET

import numpy as np
import resvg_py
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import primify
from primify.model import Scene, Shape
from primify.render.raster import hard_coverage, soft_coverage
from primify.render.svg import to_svg
from primify.shapes import KINDS

coords = st.floats(-0.5, 1.5, allow_nan=False, width=32)


@st.composite
def shapes(draw):
    kind = draw(st.sampled_from(list(KINDS)))
    p = torch.tensor([draw(st.lists(coords, min_size=len(KINDS[kind].params), max_size=len(KINDS[kind].params)))])
    KINDS[kind].constrain(p, torch.tensor([[-0.5, -0.5]]), torch.tensor([[1.5, 1.5]]), 1 / 64)
    return kind, p


@settings(max_examples=60, deadline=None)
@given(shapes(), st.floats(0.05, 8.0))
def test_coverage_is_finite_and_in_unit_range_and_svg_parses(shape, temperature):
    kind, p = shape
    n = 24
    x, y = ((torch.arange(n) + 0.5) / n).view(1, 1, n), ((torch.arange(n) + 0.5) / n).view(1, n, 1)
    for cov in (
        soft_coverage(KINDS[kind].sdf(p, x, y), temperature / n),
        hard_coverage(KINDS[kind].sdf, p, x, y, 1 / n, 4),
    ):
        assert torch.isfinite(cov).all() and (cov >= 0).all() and (cov <= 1).all()
    scene = Scene(n, n, (0.5, 0.5, 0.5), [Shape(kind, tuple(p[0].tolist()), (0.1, 0.2, 0.3), 0.7)])
    root = ET.fromstring(to_svg(scene))
    assert len(root) >= 2


@settings(max_examples=4, deadline=None)
@given(st.integers(4, 40), st.integers(4, 40), st.integers(0, 2**31 - 1))
def test_random_pictures_give_agreeing_png_and_svg(w, h, seed):
    a = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    scene = primify.convert(
        Image.fromarray(a),
        shapes=6,
        size=32,
        steps=6,
        candidates=2,
        polish_steps=5,
        generator=torch.Generator().manual_seed(seed),
    )
    png = np.asarray(scene.render(), dtype=np.float64)
    svg = np.asarray(
        Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_string=to_svg(scene))))).convert("RGB"), dtype=np.float64
    )
    mse = ((png - svg) ** 2).mean()
    assert mse == 0 or 10 * np.log10(255**2 / mse) >= 35
