"""Coarse-to-fine schedule and error-driven placement."""

import torch

from primify.fit.placement import batch_size, box_blur, sample_centres, shape_scale, spread
from primify.fit.window import around


def test_shapes_start_big_and_get_smaller():
    sizes = [shape_scale(n, 256) for n in (0, 10, 100, 1000)]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] >= 64 and sizes[-1] < 8


def test_batches_start_small_and_never_exceed_the_remaining_or_largest():
    assert batch_size(0, 100, 128) <= 4
    assert batch_size(1000, 5, 128) == 5
    assert batch_size(4000, 5000, 128) == 128


def test_box_blur_is_the_windowed_mean():
    img = torch.rand(9, 11, generator=torch.Generator().manual_seed(0))
    blurred = box_blur(img, 2)
    assert torch.allclose(blurred[4, 5], img[2:7, 3:8].mean())
    assert torch.allclose(blurred[0, 0], img[:3, :3].mean())


def test_new_shapes_go_where_the_error_is():
    error = torch.zeros(64, 64)
    error[40:50, 5:15] = 1.0
    xy = sample_centres(error, 200, 2, torch.Generator().manual_seed(0))
    inside = (xy[:, 0] > 2) & (xy[:, 0] < 18) & (xy[:, 1] > 37) & (xy[:, 1] < 53)
    assert inside.float().mean() > 0.95


def test_spread_keeps_the_best_and_skips_crowded_or_useless_candidates():
    centres = torch.tensor([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [20.0, 0.0]])
    gains = torch.tensor([5.0, 4.0, 3.0, -1.0])
    assert spread(centres, gains, 3, 2.0).tolist() == [0, 2]


def test_windows_gather_the_pixels_they_index_even_at_the_edges():
    img = torch.rand(3, 20, 30, generator=torch.Generator().manual_seed(1))
    w = around(torch.tensor([[0.0, 0.0], [29.0, 19.0], [15.0, 10.0]]), 4.0, 20, 30)
    got = w.gather(img)
    for k in range(3):
        assert torch.equal(got[k], img[:, w.rows[k]][:, :, w.cols[k]])
    assert torch.equal(w.select(torch.tensor([2])).gather(img)[0], got[2])


def test_fast_effort_places_shapes_in_fewer_larger_batches(picture):
    import primify

    def batches(effort):
        calls = []
        primify.convert(picture, shapes=60, size=48, few_shapes=0, polish_steps=0, effort=effort, progress=calls.append)
        return len(calls)

    assert batches("fast") < batches("default")
