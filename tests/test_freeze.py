import pytest
import torch

from primify.fit.freeze import _waves, freeze
from primify.fit.optimize import _choose
from primify.render.hard import blank, painted
from primify.settings import Settings


@pytest.mark.parametrize("kinds", [("triangle",), ("circle", "rect", "triangle")])
def test_freezing_in_waves_gives_the_shapes_of_one_by_one(picture, kinds):
    from primify.io.picture import to_tensor

    target = to_tensor(picture.convert("RGB"))
    _, h, w = target.shape
    background = target.mean(dim=(1, 2))
    settings = Settings(shapes=200, kinds=kinds)
    # A batch of many small shapes over a canvas that already has some, as late in a fit.
    canvas = blank(background, h, w)
    groups = _choose(target, torch.ones(h, w), canvas, 3.0, 100, settings, torch.Generator().manual_seed(1))
    waves = _waves(groups)
    assert sum(len(g.params) for g in groups) > max(waves) + 1 > 1  # waves of several shapes, and several waves
    results = []
    for one_by_one in (True, False):
        shapes, c = [], canvas.clone()
        assert freeze(groups, c, shapes, None, lambda: False, one_by_one) == len(shapes) > 0
        results.append((shapes, c))
    (one, c1), (waved, c2) = results
    assert [s.kind for s in one] == [s.kind for s in waved]
    for a, b in zip(one, waved):
        assert a.params == b.params and a.alpha == b.alpha
        assert torch.allclose(torch.tensor(a.colour), torch.tensor(b.colour), atol=1e-5)
    assert torch.allclose(c1, c2, atol=1e-5)
    # The canvas is the shapes painted in their order from scratch, as the PNG is.
    assert torch.allclose(painted(background, waved, h, w), c2, atol=1e-5)


def test_a_shape_waits_for_every_earlier_shape_its_window_meets(picture):
    from primify.io.picture import to_tensor

    target = to_tensor(picture.convert("RGB"))
    _, h, w = target.shape
    settings = Settings(shapes=200)
    groups = _choose(target, torch.ones(h, w), blank((0.5, 0.5, 0.5), h, w), 4.0, 60, settings, torch.Generator())
    win = groups[0].windows
    box = [(int(r[0]), int(r[-1]) + 1, int(c[0]), int(c[-1]) + 1) for r, c in zip(win.rows, win.cols)]
    meet = lambda a, b: a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]
    waves = _waves(groups[:1])
    for i in range(len(box)):
        earlier = [waves[j] for j in range(i) if meet(box[i], box[j])]
        assert waves[i] == (max(earlier) + 1 if earlier else 0)
