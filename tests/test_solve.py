"""The joint colour solve that ends a few-shape fit."""

from dataclasses import replace

import pytest
import torch
from PIL import Image

import primify
from primify.fit import solve
from primify.fit.solve import solved
from primify.io.picture import to_tensor
from primify.model import Shape
from primify.render.hard import painted

# Overlapping, translucent, partly off the canvas: every colour shows somewhere, mixed with others.
SHAPES = [
    Shape("triangle", (0.05, 0.1, 0.9, 0.2, 0.3, 0.7), (0.9, 0.2, 0.1), 0.7),
    Shape("circle", (0.55, 0.45, 0.22), (0.1, 0.6, 0.9), 0.8),
    Shape("rect", (0.3, 0.05, 1.1, 0.5), (0.2, 0.8, 0.3), 0.5),
    Shape("triangle", (0.0, 0.75, 0.6, 0.3, 0.9, 0.74), (0.95, 0.9, 0.2), 1.0),
]
BACKGROUND = torch.tensor([0.3, 0.25, 0.5])
H, W = 45, 60


def colours(shapes):
    return torch.tensor([s.colour for s in shapes])


def wrong(shapes):
    return [replace(s, colour=(0.5, 0.5, 0.5)) for s in shapes]


def test_solving_finds_the_colours_and_background_a_picture_was_painted_with():
    target = painted(BACKGROUND, SHAPES, H, W)
    background, shapes, _ = solved(target, torch.ones(H, W), torch.tensor([0.6, 0.6, 0.6]), wrong(SHAPES), True)
    assert torch.allclose(background, BACKGROUND, atol=1e-4)
    for got, true in zip(shapes, SHAPES, strict=True):
        assert got.params == true.params and got.alpha == true.alpha and got.kind == true.kind
        assert got.colour == pytest.approx(true.colour, abs=1e-4)


def test_a_background_that_is_not_free_stays_and_the_colours_fit_over_it():
    target = painted(BACKGROUND, SHAPES, H, W)
    given = torch.tensor([0.6, 0.6, 0.6])
    before = ((painted(given, wrong(SHAPES), H, W) - target) ** 2).sum()
    background, shapes, _ = solved(target, torch.ones(H, W), given, wrong(SHAPES), False)
    assert torch.equal(background, given)
    assert ((painted(given, shapes, H, W) - target) ** 2).sum() < 0.5 * before


def test_over_nothing_only_colour_is_solved():
    target = painted(torch.zeros(4), SHAPES, H, W)  # premultiplied RGBA
    background, shapes, _ = solved(target, torch.ones(H, W), torch.zeros(4), wrong(SHAPES), False)
    assert torch.equal(background, torch.zeros(4))
    assert torch.allclose(colours(shapes), colours(SHAPES), atol=1e-4)


def test_the_rows_solved_in_bands_give_the_same_colours(monkeypatch):
    target = painted(BACKGROUND, SHAPES, H, W) * 0.9 + 0.05  # no exact answer: the bands must add up
    whole = solved(target, torch.ones(H, W), BACKGROUND, wrong(SHAPES), True)
    monkeypatch.setattr(solve, "_MAX_BASIS", 5 * W * 7)  # bands of 7 rows
    banded = solved(target, torch.ones(H, W), BACKGROUND, wrong(SHAPES), True)
    assert torch.allclose(whole[0], banded[0], atol=1e-5)
    assert torch.allclose(colours(whole[1]), colours(banded[1]), atol=1e-5)


def test_colours_that_would_not_lower_the_error_are_not_taken():
    # Where the best colours lie outside [0, 1], clamping them can be worse than the start.
    target = painted(BACKGROUND, SHAPES, H, W)
    target[:, 10:30, 10:40] = 1.0
    start = solved(target, torch.ones(H, W), BACKGROUND, SHAPES, True)[:2]
    again = solved(target, torch.ones(H, W), *start, True)
    loss = lambda bg, shapes, *_: ((painted(bg, shapes, H, W) - target) ** 2).sum()
    assert loss(*again) <= loss(*start) <= loss(BACKGROUND, SHAPES)
    # The canvas given back is the hard picture of the scene given back.
    assert torch.allclose(again[2], painted(*again[:2], H, W))


def test_a_few_shape_conversion_fits_its_background_and_keeps_one_that_is_given(picture):
    # At 96 px the search runs shrunk, on the few-shape path that ends in the solve.
    big = picture.resize((96, 72), Image.LANCZOS)
    quick = dict(shapes=6, size=96, steps=6, polish_steps=6, regrow=0)
    fitted = primify.convert(big, **quick)
    mean = tuple(to_tensor(big).mean(dim=(1, 2)).tolist())
    assert fitted.background != pytest.approx(mean, abs=1e-3)
    given = primify.convert(big, **quick, background="#336699")
    assert given.background == pytest.approx((0x33 / 255, 0x66 / 255, 0x99 / 255))
