"""The library's convert, end to end on a small picture."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import primify
from primify import Settings
from primify.fit import optimize
from primify.fit.metrics import psnr_of
from primify.io.picture import working

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def flat_psnr(picture):
    a = np.asarray(picture, dtype=np.float64)
    return 10 * np.log10(255**2 / ((a - a.mean(axis=(0, 1))) ** 2).mean())


def test_convert_places_the_shapes_asked_for_and_beats_a_flat_picture(picture, fast, gen):
    scene = primify.convert(picture, fast, generator=gen)
    assert len(scene.shapes) == fast.shapes
    assert (scene.width, scene.height) == (48, 36)
    assert psnr_of(scene, picture) > flat_psnr(picture) + 6


def test_a_shape_the_polish_moves_off_the_picture_is_placed_anew():
    # The polish drops a shape that paints nothing, and the fit ended one short of the count
    # asked for (7 of 8 here, found by a stranger), while the command line said "no shape lowers
    # the error any further".
    photo = np.asarray(Image.open(SAMPLES / "chelsea.jpg").resize((90, 60))).transpose(1, 0, 2)
    scene = primify.convert(photo, shapes=8, size=32, searches=1, effort="fast")
    assert len(scene.shapes) == 8


def test_more_shapes_fit_better(picture, fast):
    few = primify.convert(picture, fast, shapes=6, generator=torch.Generator().manual_seed(0))
    many = primify.convert(picture, fast, shapes=40, generator=torch.Generator().manual_seed(0))
    assert psnr_of(many, picture) > psnr_of(few, picture) + 1


def test_same_seed_gives_the_same_scene_and_another_seed_does_not(picture, fast):
    runs = [primify.convert(picture, fast, generator=torch.Generator().manual_seed(s)) for s in (1, 1, 2)]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


# 0.03 is below the floor that learned opacities are kept above (0.05): a fixed one is the user's.
@pytest.mark.parametrize("alpha", [0.5, 0.03])
def test_fixed_alpha_is_kept_and_mixed_kinds_are_used(picture, fast, gen, alpha):
    scene = primify.convert(picture, fast, alpha=alpha, kinds=("rect", "circle"), generator=gen)
    assert [s.alpha for s in scene.shapes] == pytest.approx([alpha] * len(scene.shapes))
    assert {s.kind for s in scene.shapes} <= {"rect", "circle"}


def test_progress_reports_each_batch_up_to_the_total(picture, fast, gen):
    seen = []
    primify.convert(picture, fast, generator=gen, progress=seen.append)
    assert [p.placed for p in seen] == sorted(p.placed for p in seen)
    assert seen[-1].placed == fast.shapes and seen[-1].total == fast.shapes


def test_the_optimizer_scores_exactly_the_picture_that_is_written(picture, fast, gen):
    seen = []
    scene = primify.convert(picture, fast, generator=gen, progress=seen.append)
    target = torch.from_numpy(np.asarray(working(picture, 48), dtype=np.float32) / 255).permute(2, 0, 1)
    mse = ((scene.render_tensor() - target) ** 2).mean().item()
    assert abs(-10 * np.log10(mse) - seen[-1].psnr) < 1e-3


def test_unknown_setting_is_refused(picture):
    try:
        primify.convert(picture, shape_count=3)
    except TypeError as e:
        assert "shape_count" in str(e)
    else:
        raise AssertionError("expected a TypeError")
    # In a dict of settings, Python's own words named Settings.__init__.
    with pytest.raises(TypeError, match=r"^settings has no field 'shape_count'; primify.Settings lists its fields$"):
        primify.convert(picture, {"shapes": 3, "shape_count": 3})
    with pytest.raises(TypeError, match=r"^settings has no field 'device' \(an argument of convert itself\)"):
        primify.convert(picture, {"device": "cpu"})


def test_a_mask_puts_the_detail_where_it_is_white(picture, fast):
    from PIL import Image

    mask = Image.new("L", picture.size, 0)
    mask.paste(255, (0, 0, picture.width // 2, picture.height))
    target = np.asarray(working(picture, fast.size), dtype=np.float64)
    left = lambda scene: ((np.asarray(scene.render(), dtype=np.float64) - target) ** 2)[
        :, : target.shape[1] // 2
    ].mean()
    plain = primify.convert(picture, fast, generator=torch.Generator().manual_seed(0))
    masked = primify.convert(picture, fast, generator=torch.Generator().manual_seed(0), mask=mask)
    assert left(masked) < 0.8 * left(plain)


@pytest.mark.parametrize("palette", [3, ((1.0, 0.0, 0.0), (0.2, 0.4, 0.6), (0.9, 0.8, 0.1))])
def test_every_colour_comes_from_the_palette(picture, fast, gen, palette):
    scene = primify.convert(picture, fast, palette=palette, generator=gen)
    chosen = {tuple(round(v, 5) for v in s.colour) for s in scene.shapes} | {
        tuple(round(v, 5) for v in scene.background)
    }
    if isinstance(palette, int):
        assert len(chosen) <= 3
    else:
        assert chosen <= {tuple(round(v, 5) for v in c) for c in palette}
    assert psnr_of(scene, picture) > flat_psnr(picture)


def test_kmeans_finds_the_colours_a_picture_is_made_of(gen):
    from primify.fit.palette import kmeans

    pixels = torch.cat([torch.full((50, 3), 0.1), torch.full((30, 3), 0.9), torch.tensor([[0.1, 0.9, 0.1]] * 20)])
    found = sorted(tuple(round(v, 3) for v in c) for c in kmeans(pixels, 3, gen).tolist())
    assert found == [(0.1, 0.1, 0.1), (0.1, 0.9, 0.1), (0.9, 0.9, 0.9)]


def test_kmeans_gives_no_colour_twice():
    from PIL import Image

    from primify.fit.palette import kmeans

    # Black and white halves, resized: the resampling's few greys drew two seeds, which both
    # ended on the same grey (47, 47, 47), a palette place wasted.
    halves = (np.arange(60)[None, :, None] > 30).repeat(40, 0).repeat(3, 2) * 255
    small = Image.fromarray(halves.astype(np.uint8)).resize((48, 32), Image.LANCZOS)
    pixels = torch.tensor(np.asarray(small), dtype=torch.float32).reshape(-1, 3) / 255
    found = [tuple(c) for c in (kmeans(pixels, 10, torch.Generator().manual_seed(0)) * 255).round().tolist()]
    assert len(found) == len(set(found)) and (0.0, 0.0, 0.0) in found and (255.0, 255.0, 255.0) in found


def test_best_effort_fits_better_than_fast(picture, fast):
    fit = lambda effort: psnr_of(
        primify.convert(picture, fast, shapes=12, effort=effort, generator=torch.Generator().manual_seed(0)), picture
    )
    assert fit("best") > fit("fast") + 0.3


def test_best_effort_polishes_five_times_each_kept_only_where_it_helps(picture, fast):
    """A report follows each batch and each polish round; ``best`` has four rounds more, and
    since a round is kept only where it lowers the error, the reports never fall."""
    assert replace(fast, effort="best").polish_rounds == 5
    runs = {}
    for effort in ("default", "best"):
        reports = []
        primify.convert(picture, fast, shapes=12, effort=effort, progress=reports.append)
        runs[effort] = reports
    assert len(runs["best"]) == len(runs["default"]) + 4
    last = [r.psnr for r in runs["best"][-5:]]
    assert all(r.placed == 12 for r in runs["best"][-5:]) and last == sorted(last)


def test_few_shapes_search_longer_and_fit_better(picture, fast):
    fit = lambda few: psnr_of(
        primify.convert(picture, fast, shapes=6, few_shapes=few, generator=torch.Generator().manual_seed(0)), picture
    )
    # 19.38 against 19.16 dB at this seed: the unboosted search is no straw man.
    assert fit(200) > fit(0) + 0.15


def test_few_shapes_are_searched_on_a_shrunk_picture_by_the_rule():
    side = lambda **kw: Settings(**kw).search_side(192, 256)
    assert [side(shapes=n) for n in (4, 8, 20, 50, 99)] == [64, 64, 72, 113, 159]
    # From few_shapes up, its first quarter is searched there: 25 shapes, on 80 px.
    assert [(Settings(shapes=n).searched, side(shapes=n)) for n in (100, 2048)] == [(25, 80), (25, 80)]
    assert side(shapes=8, search_scale=0) is None and side(shapes=8, few_shapes=0) is None
    assert side(shapes=300, search_scale=0) is None and side(shapes=300, few_shapes=0) is None
    assert side(shapes=8, target_psnr=20) is None and side(shapes=300, target_psnr=20) is None
    assert Settings(shapes=8).search_side(64, 48) is None
    # A thin picture is shrunk to 16 px across at the least, and not at all where that is its size.
    assert [Settings(shapes=8).search_side(256, w) for w in (64, 48, 24, 16)] == [64, 86, 171, None]
    assert Settings(shapes=8).search_side(3, 256) is None


def test_a_thin_picture_is_fitted_and_not_left_at_its_mean_colour():
    # Searched on a strip a pixel across, its 8 shapes once painted worse than the mean colour
    # at 3 by 256 pixels, and the fit ended there (11.0 dB here, as flat as it gets).
    a = np.zeros((256, 3, 3), np.uint8)
    a[:, :, 1] = np.linspace(0, 255, 256)[:, None]
    a[128:, :, 2] = 200
    picture = Image.fromarray(a)
    scene = primify.convert(picture, shapes=8, generator=torch.Generator().manual_seed(0))
    assert len(scene.shapes) == 8
    assert psnr_of(scene, picture) > flat_psnr(picture) + 15


def test_many_shapes_place_the_first_large_ones_on_the_shrunk_picture(picture, fast, monkeypatch):
    fits = []
    real = optimize._fit

    def spy(target, weight, settings, *rest):
        fits.append((tuple(target.shape[1:]), settings.shapes, settings.polish))
        return real(target, weight, settings, *rest)

    monkeypatch.setattr(optimize, "_fit", spy)
    big = picture.resize((192, 144))
    settings = replace(fast, size=192, shapes=24, few_shapes=16, search_scale=32)
    scene = primify.convert(big, settings, generator=torch.Generator().manual_seed(0))
    # The first four (16 // 4) on 64 px, unpolished; then all 24 at the working size, polished.
    assert fits == [((48, 64), 4, 0), ((144, 192), 24, 10)]
    assert len(scene.shapes) == 24


def test_a_shrunk_search_is_polished_last_at_the_working_size_for_its_finish_steps(picture, fast, monkeypatch):
    polishes = []
    real = optimize._polished

    def spy(target, weight, scene, settings, *rest):
        polishes.append((tuple(target.shape[1:]), settings.polish))
        return real(target, weight, scene, settings, *rest)

    monkeypatch.setattr(optimize, "_polished", spy)
    settings = replace(fast, size=96, shapes=6, few_shapes=100, polish_steps=10, regrow=0)
    primify.convert(picture.resize((96, 72)), settings, generator=torch.Generator().manual_seed(0))
    # The boost is 4: the search polishes on 64 px with twice the steps, the last one at 96 px
    # with 2/4 of them.
    assert settings.finish_steps == 5 and polishes[-1] == ((72, 96), 5)
    assert {size for size, _ in polishes[:-1]} == {(48, 64)}


def test_a_boosted_search_takes_more_and_smaller_steps_by_the_rule():
    rate = lambda n: Settings(shapes=n, lr_geometry=0.1).refine_rate
    assert [round(rate(n), 6) for n in (8, 25, 50, 100, 500)] == [0.05, 0.05, 0.070711, 0.1, 0.1]
    assert Settings(shapes=8).refine_steps == 2 * Settings(shapes=500).refine_steps


def test_a_shrunk_search_ends_polished_at_the_working_size(picture, fast):
    """The batches run at 64 px of a 96 px picture; the last report and the scene are at 96 px,
    and the polish there is kept (it lowers the error of what the shrunk search found)."""
    big = picture.resize((96, 72), Image.LANCZOS)
    reports = []
    settings = replace(fast, size=96, shapes=6, few_shapes=100, polish_steps=10)
    scene = primify.convert(big, settings, progress=reports.append, generator=torch.Generator().manual_seed(0))
    unpolished = primify.convert(big, settings, polish_steps=0, generator=torch.Generator().manual_seed(0))
    assert (scene.width, scene.height) == (96, 72) and len(scene.shapes) == 6
    assert reports[-1].psnr == pytest.approx(psnr_of(scene, big), abs=0.05)
    assert psnr_of(scene, big) > psnr_of(unpolished, big) + 0.3


def test_an_unknown_effort_is_refused(picture):
    with pytest.raises(ValueError, match="effort must be fast or default or best, not 'slow'"):
        primify.convert(picture, effort="slow")


def test_candidates_scored_in_parts_give_the_same_scene(picture, fast, monkeypatch):
    import primify.fit.group

    whole = primify.convert(picture, fast, generator=torch.Generator().manual_seed(0))
    monkeypatch.setattr(primify.fit.group, "PART", 1)
    parts = primify.convert(picture, fast, generator=torch.Generator().manual_seed(0))
    assert len(parts.shapes) == len(whole.shapes)
    for a, b in zip(whole.shapes, parts.shapes, strict=True):
        assert a.kind == b.kind and np.allclose(a.params, b.params, atol=1e-5)
        assert np.allclose(a.colour, b.colour, atol=1e-5)


def test_small_batches_are_refined_and_frozen_on_one_thread_large_ones_on_all(picture, fast, gen, monkeypatch):
    from primify.fit.refine import ONE_THREAD

    seen = []

    def spy(name, real):
        def run(groups, *args):
            pixels = sum(g.windows.rows.numel() * g.windows.cols.shape[1] for g in groups)
            seen.append((name, pixels, torch.get_num_threads()))
            return real(groups, *args)

        return run

    monkeypatch.setattr(optimize, "refine", spy("refine", optimize.refine))
    monkeypatch.setattr(optimize, "freeze", spy("freeze", optimize.freeze))
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        # 256 px: the first, large shapes' windows are most of the picture, the later ones small.
        primify.convert(picture.resize((256, 192)), fast, size=256, generator=gen)
        after = torch.get_num_threads()
    finally:
        torch.set_num_threads(threads)
    assert after == 2
    assert {(name, n) for name, pixels, n in seen} == {("refine", 1), ("refine", 2), ("freeze", 1), ("freeze", 2)}
    assert all(n == (1 if pixels < ONE_THREAD else 2) for _, pixels, n in seen)
