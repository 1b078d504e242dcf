"""The final joint refinement of all shapes."""

import pytest
import torch

import primify
from primify.fit.polish import pairs, polish, tiled
from primify.io.picture import to_tensor, working


def hard_psnr(scene, target):
    mse = ((scene.render_tensor() - target) ** 2).mean().item()
    return -10 * torch.log10(torch.tensor(mse)).item()


def test_tiles_cover_the_picture_in_row_major_order():
    img = torch.arange(2 * 5 * 7, dtype=torch.float32).view(2, 5, 7)
    t = tiled(img, 4)
    assert t.shape == (4, 2, 4, 4)
    assert torch.equal(t[1, :, :, :3], img[:, :4, 4:7])
    assert torch.equal(t[2, :, :1, :], img[:, 4:5, :4])
    assert (t[3, :, 1:, :] == 0).all()


def test_pairs_list_each_tile_a_box_reaches_in_painters_order():
    boxes = torch.tensor([[0.0, 0.0, 20.0, 5.0], [17.0, 17.0, 18.0, 18.0]])
    tile, shape = pairs(boxes, 16, 2, 2)
    assert list(zip(tile.tolist(), shape.tolist())) == [(0, 0), (1, 0), (3, 1)]


def test_polish_improves_the_written_picture_and_keeps_order_and_kinds(picture, fast, gen):
    scene = primify.convert(picture, fast, kinds=("triangle", "circle"), polish_steps=0, generator=gen)
    target = to_tensor(working(picture, fast.size))
    _, polished = polish(
        target,
        torch.ones(target.shape[1:]),
        torch.tensor(scene.background),
        scene.shapes,
        fast.__class__(**{**fast.__dict__, "polish_steps": 40}),
    )
    assert [s.kind for s in polished] == [s.kind for s in scene.shapes]
    after = primify.Scene(scene.width, scene.height, scene.background, polished)
    assert hard_psnr(after, target) > hard_psnr(scene, target) + 0.1


def test_a_free_background_moves_with_the_colours_and_one_that_is_not_stays():
    from primify.render.hard import painted

    shapes = [
        primify.Shape("triangle", (0.1, 0.1, 0.7, 0.2, 0.3, 0.6), (0.9, 0.3, 0.1), 0.8),
        primify.Shape("circle", (0.7, 0.5, 0.15), (0.1, 0.2, 0.8), 0.9),
    ]
    truth = torch.tensor([0.2, 0.7, 0.4])
    target = painted(truth, shapes, 36, 48)
    start = torch.tensor([0.5, 0.5, 0.5])
    settings = primify.Settings(shapes=2, polish_steps=40)
    ground, _ = polish(target, torch.ones(36, 48), start, shapes, settings, free=True)
    assert (ground - truth).abs().max() < 0.5 * (start - truth).abs().max()
    ground, _ = polish(target, torch.ones(36, 48), start, shapes, settings)
    assert torch.equal(ground, start)


def test_mixed_kinds_polish_longer_and_zero_still_turns_it_off():
    from primify.settings import Settings

    assert Settings(polish_steps=25, kinds=("triangle",)).polish == 25
    assert Settings(polish_steps=25, kinds=("triangle", "bezier"), polish_mixed=3).polish == 75
    assert Settings(polish_steps=0, kinds=("triangle", "bezier")).polish == 0


@pytest.mark.parametrize("shapes, steps", [(8, 25), (20, 25), (25, 25), (40, 40), (50, 50), (80, 50)])
def test_the_last_polish_of_few_shapes_takes_twice_the_steps_over_the_boost_and_all_at_most(shapes, steps):
    from primify.settings import Settings

    assert Settings(shapes=shapes, polish_steps=50).finish_steps == steps


def test_a_non_finite_polish_step_is_undone_and_the_polish_goes_on(picture, fast, gen, monkeypatch):
    import primify.fit.polish

    scene = primify.convert(picture, fast, polish_steps=0, generator=gen)
    target = to_tensor(working(picture, fast.size))
    real, calls = primify.fit.polish.soft_coverage, []

    def first_nan(sd, temperature, edge="sigmoid"):
        calls.append(1)
        return real(sd, temperature, edge) * (float("nan") if len(calls) == 1 else 1.0)

    monkeypatch.setattr(primify.fit.polish, "soft_coverage", first_nan)
    _, polished = polish(
        target,
        torch.ones(target.shape[1:]),
        torch.tensor(scene.background),
        scene.shapes,
        fast.__class__(**{**fast.__dict__, "polish_steps": 20}),
    )
    after = primify.Scene(scene.width, scene.height, scene.background, polished)
    assert all(torch.isfinite(torch.tensor([*s.params, *s.colour, s.alpha])).all() for s in polished)
    assert hard_psnr(after, target) > hard_psnr(scene, target)


def test_polishing_in_parts_gives_the_shapes_of_polishing_at_once(picture, fast, gen, monkeypatch):
    import primify.fit.polish

    scene = primify.convert(picture, fast, polish_steps=0, generator=gen)
    target = to_tensor(working(picture, fast.size))
    run = lambda: polish(
        target,
        torch.ones(target.shape[1:]),
        torch.tensor(scene.background),
        scene.shapes,
        fast.__class__(**{**fast.__dict__, "polish_steps": 10}),
    )
    whole = run()[1]
    monkeypatch.setattr(primify.fit.polish, "CHUNK", 5)
    assert len(primify.fit.polish.chunks(torch.tensor([0, 0, 1, 1, 1, 2, 5, 5]), 6, 3)) == 3
    parts = run()[1]
    moved = [
        abs(a - b) for s, w in zip(scene.shapes, whole, strict=True) for a, b in zip(s.params, w.params, strict=True)
    ]
    assert max(moved) > 1e-3
    for w, p in zip(whole, parts, strict=True):
        assert torch.allclose(torch.tensor(w.params), torch.tensor(p.params), atol=1e-4)
        assert torch.allclose(torch.tensor(w.colour), torch.tensor(p.colour), atol=1e-4)


def test_each_step_composites_where_the_shapes_are_then_as_a_polish_of_every_tile_does(picture, fast, gen, monkeypatch):
    """Each step's tiles are laid out around the shapes where they are then, soft tails included:
    far fewer (tile, shape) pairs than every shape on every tile, yet the shapes end within a
    tenth of a pixel of where that exact objective takes them (tails cut at 0 temperatures: 0.24
    px off)."""
    import primify.fit.polish

    scene = primify.convert(picture, fast, polish_steps=0, generator=gen)
    target = to_tensor(working(picture, fast.size))
    laid = []

    def counted(box, t, rows, cols, real=primify.fit.polish.pairs):
        found = real(box, t, rows, cols)
        laid.append(len(found[0]))
        return found

    def run():
        laid.clear()
        ground = torch.tensor(scene.background)
        shapes = polish(target, torch.ones(target.shape[1:]), ground, scene.shapes, fast)[1]
        return torch.tensor([s.params for s in shapes]), sum(laid)

    monkeypatch.setattr(primify.fit.polish, "pairs", counted)
    near, few = run()
    monkeypatch.setattr(primify.fit.polish, "TAIL", 1e4)
    exact, every = run()
    assert len(laid) == fast.polish and few < 0.6 * every
    assert (near - exact).abs().max() * fast.size < 0.1


def test_few_shapes_polish_on_tiles_twice_as_large_to_the_end(picture, monkeypatch):
    """Below few_shapes every polish composites on tiles of twice ``tile``, the last one at the
    working size (96 px, past the 64 px search picture) included; from few_shapes up, on ``tile``."""
    import primify.fit.polish

    seen, real = [], primify.fit.polish.tiled
    monkeypatch.setattr(primify.fit.polish, "tiled", lambda img, t: seen.append((img.shape[-1], t)) or real(img, t))
    big = picture.resize((96, 72))

    def polishes(few):
        """The (picture width, tile) of every polish of a 6-shape conversion."""
        seen.clear()
        primify.convert(big, shapes=6, size=96, steps=4, candidates=2, polish_steps=2, few_shapes=few)
        return sorted(set(seen))

    assert polishes(100) == [(64, 16), (96, 16)]
    assert polishes(0) == [(96, 8)]
    assert primify.Settings(shapes=6, tile=5).polish_tile == 10


def test_regrowth_keeps_the_count_and_never_raises_the_error(picture, fast, gen):
    from dataclasses import replace

    from primify.fit.optimize import _fit
    from primify.fit.regrow import regrown
    from primify.render.hard import painted

    settings = replace(fast, shapes=6, few_shapes=100, regrow=2)
    assert settings.regrow_rounds == 2 and replace(settings, shapes=26).regrow_rounds == 0
    scene = primify.convert(picture, fast, shapes=6, generator=gen)
    target = to_tensor(working(picture, fast.size))
    start = (torch.tensor(scene.background), scene.shapes)
    error = lambda scene: ((painted(*scene, *target.shape[1:]) - target) ** 2).sum().item()
    reported = []
    args = (target, torch.ones(target.shape[1:]), settings, gen, start)
    ground, shapes = regrown(*args, lambda *s: reported.append(s[:2]), lambda: False, True, _fit)
    assert len(shapes) == 6 and shapes != scene.shapes
    assert error((ground, shapes)) < error(start)
    # Each round that is kept is reported, the last of them being the result.
    assert reported and reported[-1][1] == shapes and torch.equal(reported[-1][0], ground)


def test_leaving_out_each_shape_in_turn_gives_the_errors_of_painting_without_it():
    from primify.fit.regrow import errors_without
    from primify.render.hard import painted
    from primify.render.raster import weighted_error

    g = torch.Generator().manual_seed(5)
    shapes = [
        primify.Shape(kind, params, tuple(torch.rand(3, generator=g).tolist()), alpha)
        for kind, params, alpha in [
            ("triangle", (0.1, 0.1, 0.9, 0.3, 0.4, 0.8), 0.7),
            ("circle", (0.5, 0.4, 0.3), 0.6),
            ("rect", (0.2, 0.5, 1.2, 0.9), 1.0),
            ("triangle", (-0.1, 0.6, 0.7, 0.0, 0.6, 0.7), 0.4),
        ]
    ]
    for background in (torch.tensor([0.2, 0.5, 0.3]), torch.zeros(4)):
        target = torch.rand(len(background), 30, 40, generator=g)
        weight = torch.rand(30, 40, generator=g)
        # The error the fit lowers: on premultiplied RGBA, spilt paint charged too (it was not).
        naive = [
            weighted_error(painted(background, shapes[:i] + shapes[i + 1 :], 30, 40), target, weight).item()
            for i in range(len(shapes))
        ]
        assert errors_without(target, weight, background, shapes) == pytest.approx(naive, rel=1e-5)


def test_polish_on_two_threads_gives_the_same_shapes_every_run():
    # Thousands of (tile, shape) pairs sharing shapes: plain indexing's gradient summed their
    # repeats in a varying order on several threads, and the same command wrote two pictures.
    g = torch.Generator().manual_seed(3)
    n = 1500
    centre = torch.rand(n, 1, 2, generator=g) * 64
    corners = centre + (torch.rand(n, 3, 2, generator=g) - 0.5) * 24
    shapes = [
        primify.Shape("triangle", tuple((c / 64).flatten().tolist()), tuple(torch.rand(3, generator=g).tolist()), 0.8)
        for c in corners
    ]
    target = torch.rand(3, 64, 64, generator=g)
    settings = primify.Settings(shapes=n, polish_steps=2)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        runs = [
            polish(target, torch.ones(64, 64), torch.full((3,), 0.5), shapes, settings, free=True) for _ in range(4)
        ]
    finally:
        torch.set_num_threads(threads)
    assert all(run[1] == runs[0][1] and torch.equal(run[0], runs[0][0]) for run in runs[1:])


def test_pairs_list_every_tile_each_box_reaches_in_tile_then_shape_order():
    g = torch.Generator().manual_seed(4)
    rows, cols, t = 5, 7, 8
    corner = torch.rand(30, 2, generator=g) * torch.tensor([cols * t * 1.4, rows * t * 1.4]) - 10
    box = torch.cat([corner, corner + torch.rand(30, 2, generator=g) * 30], dim=1)
    naive = []
    for tile in range(rows * cols):
        r, c = divmod(tile, cols)
        for s, (x0, y0, x1, y1) in enumerate(box.tolist()):
            # A box beyond an edge reaches the edge's tiles, as clamped.
            span = lambda lo, hi, n: (min(max(int(lo // t), 0), n - 1), min(max(int(hi // t), 0), n - 1))
            (a, b), (p, q) = span(x0, x1, cols), span(y0, y1, rows)
            if a <= c <= b and p <= r <= q:
                naive.append((tile, s))
    tile_of, shape_of = pairs(box, t, rows, cols)
    assert list(zip(tile_of.tolist(), shape_of.tolist())) == naive


def test_a_shape_off_the_picture_after_the_polish_is_dropped_and_the_picture_is_the_same(picture, fast):
    from primify.fit.optimize import _polished
    from primify.model import Shape
    from primify.render.hard import painted

    target = to_tensor(working(picture, fast.size))
    _, h, w = target.shape
    inside = Shape("circle", (0.5, 0.35, 0.2), (0.9, 0.2, 0.1), 0.8)
    # Canvas units: the longer side is 1, so x = 1.6 is wholly to the right of the picture.
    outside = Shape("circle", (1.6, 0.35, 0.05), (0.1, 0.9, 0.1), 0.8)
    reported = []
    scene = (torch.tensor([0.5, 0.5, 0.5]), [inside, outside])
    ground, shapes, canvas = _polished(
        target, torch.ones(h, w), scene, fast, lambda: False, lambda *s: reported.append(s), False
    )
    assert len(shapes) == 1 and shapes[0].params[0] < 1  # the one inside, polished
    assert torch.equal(canvas, painted(ground, shapes, h, w))
    assert reported[-1][1] == shapes
