"""Sweeps: every place for a new shape scored at once, against the obvious ways."""

import itertools

import pytest
import torch
from PIL import Image

import primify
from primify.fit.group import candidates
from primify.fit.sweep import boxes, gains, moments, stamped
from primify.settings import Settings
from primify.shapes import KINDS, resolve_kind, translated
from tests.reference import gain_naive


def _picture(channels, h=6, w=7, seed=0):
    gen = torch.Generator().manual_seed(seed)
    rand = lambda *s: torch.rand(*s, generator=gen, dtype=torch.float64)
    return rand(channels, h, w), rand(h, w) + 0.5, rand(channels, h, w)


@pytest.mark.parametrize("channels", [3, 4])
def test_gains_from_the_sums_are_those_of_painting_the_best_colour(channels):
    target, weight, canvas = _picture(channels)
    gen = torch.Generator().manual_seed(1)
    for alpha in (0.3, 0.6, 1.0):
        m = moments(target, weight, canvas, alpha)
        for _ in range(5):
            mask = (torch.rand(6, 7, generator=gen) < 0.4).double()
            sums = (m * mask).sum(dim=(1, 2))
            assert torch.allclose(gains(sums, alpha), gain_naive(target, weight, canvas, mask, alpha))


def test_the_best_box_is_the_best_of_every_rectangle():
    target, weight, canvas = _picture(3)
    best, found = -1.0, None
    for (y0, y1), (x0, x1) in itertools.product(
        itertools.combinations(range(7), 2), itertools.combinations(range(8), 2)
    ):
        mask = torch.zeros(6, 7, dtype=torch.float64)
        mask[y0:y1, x0:x1] = 1
        gain = gain_naive(target, weight, canvas, mask, 0.6).item()
        if gain > best:
            best, found = gain, [x0, y0, x1, y1]
    m = moments(target, weight, canvas, 0.6)
    assert boxes(m, 100, 0.6, 1, torch.Generator().manual_seed(0)).tolist() == [found]


def test_stamped_sums_are_the_sums_under_each_mask_placed_on_each_pixel():
    m, _, _ = _picture(5, h=5, w=8)
    masks = (torch.rand(3, 9, 9, generator=torch.Generator().manual_seed(2)) < 0.5).double()
    naive = torch.zeros(3, 5, 5, 8, dtype=torch.float64)
    for s, i, j, dy, dx in itertools.product(range(3), range(5), range(8), range(-4, 5), range(-4, 5)):
        if 0 <= i + dy < 5 and 0 <= j + dx < 8:
            naive[s, :, i, j] += masks[s, 4 + dy, 4 + dx] * m[:, i + dy, j + dx]
    assert torch.allclose(stamped(m, masks), naive)


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_translated_shape_is_the_same_shape_elsewhere(kind):
    shape, gen = resolve_kind(kind), torch.Generator().manual_seed(3)
    p = shape.init(torch.rand(4, 2, generator=gen), torch.full((4,), 0.2), gen)
    by = torch.rand(4, 2, generator=gen) - 0.5
    x, y = torch.rand(4, 1, 9, generator=gen), torch.rand(4, 9, 1, generator=gen)
    moved = translated(kind, p, by)
    there = shape.sdf(moved, x + by[:, 0, None, None], y + by[:, 1, None, None])
    assert torch.allclose(there, shape.sdf(p, x, y), atol=1e-5)


@pytest.mark.parametrize("kind", ["rect", "circle"])
def test_a_new_shape_is_found_where_it_is(kind):
    # A box, or a disc, on grey: the best candidate covers it and takes its error away; random
    # candidates placed by the error, before sweeps, took 69 % and 62 % of it.
    target = torch.full((3, 48, 64), 0.5)
    ys, xs = torch.meshgrid(torch.arange(48) + 0.5, torch.arange(64) + 0.5, indexing="ij")
    inside = (
        ((ys - 17.5) ** 2 + (xs - 22.5) ** 2 <= 11**2)
        if kind == "circle"
        else (ys > 5) & (ys < 30) & (xs > 4) & (xs < 20)
    )
    target[:, inside] = torch.tensor([0.8, 0.1, 0.1])[:, None]
    canvas, weight = torch.full_like(target, 0.5), torch.ones(48, 64)
    error = ((canvas - target) ** 2).sum(0)
    settings = Settings(shapes=8, kinds=(kind,), alpha=1.0)
    pool = candidates(
        kind, target, weight, canvas, error, 16, 12.0, 1.0, settings, torch.Generator().manual_seed(0), True
    )
    assert pool.gains.max() > 0.9 * error.sum()


def test_a_sweep_of_a_tiny_picture_offers_what_it_has():
    # 8×1 pixels hold fewer rectangles and stamped places than 64 candidates a shape ask for,
    # and the kinds' pools then differ in size: that crashed the choice of a batch.
    picture = Image.new("RGB", (600, 5), (200, 40, 40))
    picture.paste((30, 60, 200), (300, 0, 600, 5))
    quick = {"steps": 2, "polish_steps": 2, "regrow": 0}
    scene = primify.convert(picture, shapes=12, kinds=("circle", "rect"), size=8, candidates=64, **quick)
    assert 0 < len(scene.shapes) <= 12
