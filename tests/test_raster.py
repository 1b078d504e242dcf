"""The rasterizer's stages against slow references: values and gradients."""

import pytest
import torch
from reference import composite_naive, coverage_naive

from primify.render.raster import best_colour, composite_runs, hard_coverage, over, soft_coverage
from primify.shapes import KINDS


def random_layers(k=5, h=7, w=9, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.rand(3, h, w, generator=g),
        torch.rand(k, h, w, generator=g),
        torch.rand(k, 3, generator=g),
        torch.rand(k, generator=g),
    )


def test_painters_order_puts_later_shapes_on_top():
    _, cov, colour, _ = random_layers(k=2)
    cov = torch.ones_like(cov)
    out = composite_runs(torch.zeros(3), cov, colour, torch.ones(2), torch.zeros(2, dtype=torch.long), 1)[0]
    assert torch.allclose(out, colour[1, :, None, None].expand_as(out), atol=1e-5)


def test_over_is_composite_of_one_shape_per_window():
    bg, cov, colour, alpha = random_layers(k=3)
    canvas = torch.stack([bg] * 3)
    fast = over(canvas, cov, colour, alpha)
    for k in range(3):
        assert torch.allclose(
            fast[k], composite_naive(bg, cov[k : k + 1], colour[k : k + 1], alpha[k : k + 1]), atol=1e-6
        )


def test_best_colour_is_the_least_squares_optimum():
    bg, cov, _, alpha = random_layers(k=2, seed=2)
    canvas = torch.stack([bg, bg]) * 0.5 + 0.25
    target = torch.rand(2, 3, 7, 9, generator=torch.Generator().manual_seed(3)) * 0.5 + 0.25
    weight = torch.ones(2, 1, 7, 9)
    c = best_colour(canvas, target, weight, cov, alpha)
    loss = lambda col: ((over(canvas, cov, col, alpha) - target) ** 2).sum()
    for delta in (1e-2, -1e-2):
        for ch in range(3):
            nudged = c.clone()
            nudged[:, ch] += delta
            assert loss(nudged) > loss(c)


@pytest.mark.parametrize("kind", list(KINDS))
def test_hard_coverage_matches_full_supersampling(kind):
    gen = torch.Generator().manual_seed(4)
    p = KINDS[kind].init(torch.rand(3, 2, generator=gen) * 0.6 + 0.2, torch.full((3,), 0.15), gen)
    n = 40
    x = ((torch.arange(n) + 0.5) / n).view(1, 1, n).expand(3, 1, n)
    y = ((torch.arange(n) + 0.5) / n).view(1, n, 1).expand(3, n, 1)
    fast = hard_coverage(KINDS[kind].sdf, p, x, y, 1 / n, 4)
    assert torch.equal(fast, coverage_naive(KINDS[kind].sdf, p, x, y, 1 / n, 4))
    assert ((fast > 0) & (fast < 1)).any()


def test_hard_coverage_of_a_straight_edge_is_its_area():
    # A big square whose left edge sits at x = 10.3 pixels: that column is 70% covered.
    p = torch.tensor([[10.3 / 32, -1.0, 3.0, 3.0]])
    x = ((torch.arange(32) + 0.5) / 32).view(1, 1, 32)
    y = ((torch.arange(4) + 0.5) / 32).view(1, 4, 1)
    cov = hard_coverage(KINDS["rect"].sdf, p, x, y, 1 / 32, 10)[0, 0]
    assert cov[9] == 0 and cov[11] == 1
    assert cov[10].item() == pytest.approx(0.7, abs=0.051)


@pytest.mark.parametrize("edge", ["sigmoid", "tanh"])
def test_annealing_makes_the_soft_picture_converge_to_the_hard_one(edge):
    gen = torch.Generator().manual_seed(5)
    p = KINDS["triangle"].init(torch.tensor([[0.5, 0.5]]), torch.tensor([0.3]), gen)
    n = 64
    x, y = ((torch.arange(n) + 0.5) / n).view(1, 1, n), ((torch.arange(n) + 0.5) / n).view(1, n, 1)
    hard = hard_coverage(KINDS["triangle"].sdf, p, x, y, 1 / n, 8)
    sd = KINDS["triangle"].sdf(p, x, y)
    errors = [(soft_coverage(sd, t / n, edge) - hard).abs().mean().item() for t in (8, 4, 2, 1, 0.5, 0.25)]
    assert errors == sorted(errors, reverse=True)
    assert errors[-1] < 0.01


def test_composite_runs_matches_naive_per_canvas_values_and_gradients():
    g = torch.Generator().manual_seed(6)
    run = torch.tensor([0, 0, 0, 2, 2, 3])  # canvas 1 has no shapes
    cov = torch.rand(6, 4, 5, generator=g, dtype=torch.float64).requires_grad_(True)
    colour = torch.rand(6, 3, generator=g, dtype=torch.float64).requires_grad_(True)
    alpha = torch.rand(6, generator=g, dtype=torch.float64).requires_grad_(True)
    bg = torch.rand(3, generator=g, dtype=torch.float64).requires_grad_(True)
    fast = composite_runs(bg, cov, colour, alpha, run, 4)
    naive = torch.stack(
        [
            composite_naive(bg[:, None, None].expand(3, 4, 5), cov[run == r], colour[run == r], alpha[run == r])
            for r in range(4)
        ]
    )
    assert torch.allclose(fast, naive, atol=1e-9)
    # A loss that weighs each channel and pixel differently, as a weighted squared error does.
    weigh = torch.rand(4, 3, 4, 5, generator=g, dtype=torch.float64)
    grads = lambda out: torch.autograd.grad((weigh * out.square()).sum(), [cov, colour, alpha, bg])
    for f, n in zip(grads(fast), grads(naive), strict=True):
        assert torch.allclose(f, n, atol=1e-7)


def test_our_adam_matches_torchs():
    from primify.fit.adam import Adam

    g = torch.Generator().manual_seed(7)
    a, b = torch.rand(5, generator=g).requires_grad_(True), torch.rand(3, generator=g).requires_grad_(True)
    a2, b2 = a.detach().clone().requires_grad_(True), b.detach().clone().requires_grad_(True)
    ours = Adam([{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.01}], betas=(0.8, 0.95))
    theirs = torch.optim.Adam([{"params": [a2], "lr": 0.1}, {"params": [b2], "lr": 0.01}], betas=(0.8, 0.95))
    for _ in range(5):
        for opt, (x, y) in ((ours, (a, b)), (theirs, (a2, b2))):
            opt.zero_grad()
            ((x**3).sum() + (y.sin() * x[:3]).sum()).backward()
            opt.step()
    assert torch.allclose(a, a2, atol=1e-6) and torch.allclose(b, b2, atol=1e-6)


def test_adam_scale_multiplies_each_step():
    from primify.fit.adam import Adam

    p = torch.zeros(2, requires_grad=True)
    opt = Adam([{"params": [p], "lr": 0.1, "scale": [torch.tensor([1.0, 3.0])]}])
    p.sum().backward()
    opt.step()
    assert torch.allclose(p, torch.tensor([-0.1, -0.3]), atol=1e-6)


def test_painting_with_worked_out_coverage_gives_the_same_canvas_band_by_band(monkeypatch):
    from primify.model import Shape
    from primify.render import hard

    shapes = [
        Shape("triangle", (0.1, 0.1, 0.9, 0.2, 0.4, 0.8), (0.9, 0.2, 0.1), 0.7),
        Shape("circle", (0.5, 0.4, 0.3), (0.1, 0.3, 0.9), 0.5),
    ]
    background = torch.tensor([0.2, 0.4, 0.6])
    # Few points a band, so that each shape's coverage comes in several bands.
    monkeypatch.setattr(hard, "_MAX_POINTS", 200)
    canvas = hard.painted(background, shapes, 40, 50)
    bands = [list(hard.coverage(canvas, s)) for s in shapes]
    assert min(len(b) for b in bands) > 1
    assert torch.equal(hard.painted(background, shapes, 40, 50, bands), canvas)
    # Leaving a shape out leaves out exactly its paint.
    assert torch.equal(
        hard.painted(background, shapes[1:], 40, 50, bands[1:]), hard.painted(background, shapes[1:], 40, 50)
    )


@pytest.mark.parametrize("offset", [0, (7, -11)])
def test_coverages_of_many_shapes_at_once_equal_each_shapes_own(monkeypatch, offset):
    from primify.model import Shape
    from primify.render import hard

    gen = torch.Generator().manual_seed(5)
    shapes = []
    for kind in KINDS.values():
        # Sizes from a pixel to past the canvas, centres off it too, so that some shapes are
        # clipped, some missed and some too big to share a call.
        scale = torch.rand(12, generator=gen) ** 3 * 0.6 + 0.004
        p = kind.init(torch.rand(12, 2, generator=gen) * torch.tensor([1.1, 0.8]) - 0.1, scale, gen)
        shapes += [Shape(kind.name, tuple(q.tolist()), (0.3, 0.6, 0.9), 0.8) for q in p]
    order = torch.randperm(len(shapes), generator=gen).tolist()
    shapes = [shapes[i] for i in order]
    # Runs and size limits small enough that every path is taken on a small canvas.
    monkeypatch.setattr(hard, "_RUN", 13)
    monkeypatch.setattr(hard, "_SMALL", 150)
    monkeypatch.setattr(hard, "_MAX_POINTS", 700)
    canvas = torch.zeros(3, 37, 53)
    together = list(hard.coverages(canvas, shapes, 4, 60, offset))
    alone = [list(hard.coverage(canvas, s, 4, 60, offset)) for s in shapes]
    assert [[b[:4] for b in t] for t in together] == [[b[:4] for b in a] for a in alone]
    assert all(torch.equal(t[4], a[4]) for ts, als in zip(together, alone) for t, a in zip(ts, als))
    assert 0 < sum(len(a) == 0 for a in alone) < len(shapes) // 2 and any(len(a) > 1 for a in alone)
    # ...and the picture they paint is the one painted shape by shape.
    one_by_one = hard.blank((0.1, 0.2, 0.3), 37, 53)
    for s in shapes:
        hard.paint(one_by_one, s)
    assert torch.equal(hard.painted((0.1, 0.2, 0.3), shapes, 37, 53), one_by_one)
