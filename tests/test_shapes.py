"""Every registered kind, checked through the registry alone."""

import math
import xml.etree.ElementTree as ET

import pytest
import torch

from primify.model import Scene, Shape
from primify.render.raster import hard_coverage, soft_coverage
from primify.shapes import KINDS, is_size, parse_kinds, resolve_kind

kinds = pytest.mark.parametrize("kind", list(KINDS))


def one(kind, gen, centre=(0.5, 0.5), scale=0.2):
    return KINDS[kind].init(torch.tensor([centre]), torch.tensor([scale]), gen)


def grid(n=64):
    xs = (torch.arange(n) + 0.5) / n
    return xs.view(1, 1, n), xs.view(1, n, 1)


@kinds
def test_parameter_count_matches_names(kind, gen):
    assert one(kind, gen).shape == (1, len(KINDS[kind].params))


@kinds
def test_signed_distance_is_negative_inside_and_positive_outside(kind, gen):
    p = one(kind, gen)
    box = KINDS[kind].bbox(p)[0]
    centre = ((box[:2] + box[2:]) / 2).view(2, 1, 1)
    inside = KINDS[kind].sdf(p, centre[0:1].view(1, 1, 1), centre[1:2].view(1, 1, 1))
    outside = KINDS[kind].sdf(p, torch.tensor([[[0.99]]]), torch.tensor([[[0.01]]]))
    assert inside.item() < 0 < outside.item()


@kinds
def test_signed_distance_never_exceeds_true_distance(kind, gen):
    # The hard renderer relies on it to skip pixels far from the edge.
    p = one(kind, gen)
    x, y = grid(96)
    sd = KINDS[kind].sdf(p, x, y)[0]
    inside = sd < 0
    pts = torch.stack(torch.broadcast_tensors(x[0], y[0]), -1).reshape(-1, 2)
    mask = inside.reshape(-1)
    # Distance to the nearest grid point on the other side bounds the true distance from above
    # up to one grid step.
    d = torch.cdist(pts[mask], pts[~mask]).min(dim=1).values
    assert (sd.reshape(-1)[mask].abs() <= d + 1.5 / 96).all()


@kinds
def test_gradients_reach_every_parameter(kind, gen):
    p = one(kind, gen).requires_grad_(True)
    x, y = grid(48)
    soft_coverage(KINDS[kind].sdf(p, x, y), 2 / 48).sum().backward()
    assert torch.isfinite(p.grad).all()
    assert (p.grad.abs() > 0).all()


@pytest.mark.parametrize("points", ["rows and columns", "every point"])
def test_triangle_distance_and_its_written_out_gradient_match_the_naive_ones(points):
    from reference import triangle_sdf_naive

    g = torch.Generator().manual_seed(3)
    p = torch.rand(7, 6, generator=g, dtype=torch.float64)  # both windings among them
    x, y = grid(23)
    x, y = x.double().expand(7, 1, 23), y.double().expand(7, 23, 1)
    if points == "every point":
        x, y = x.expand(7, 23, 23) + 0.01, y.expand(7, 23, 23) - 0.02
    weights = torch.rand(7, 23, 23, generator=g, dtype=torch.float64)
    grads = []
    for sdf in (KINDS["triangle"].sdf, triangle_sdf_naive):
        q = p.clone().requires_grad_(True)
        d = sdf(q, x, y)
        (d * weights).sum().backward()
        grads.append((d.detach(), q.grad))
    (fast, fast_grad), (naive, naive_grad) = grads
    assert torch.allclose(fast, naive, atol=1e-12)
    assert torch.allclose(fast_grad, naive_grad, atol=1e-9)
    assert (fast_grad.abs() > 0).all()


@kinds
def test_constrain_keeps_shape_in_bounds_and_not_too_small(kind, gen):
    p = one(kind, gen, centre=(0.5, 0.5), scale=0.5)
    lo, hi = torch.tensor([[0.3, 0.3]]), torch.tensor([[0.7, 0.6]])
    KINDS[kind].constrain(p, lo, hi, 0.05)
    box = KINDS[kind].bbox(p)[0]
    assert (box[:2] >= lo[0] - 1e-6).all() and (box[2:] <= hi[0] + 1e-6).all()
    tiny = one(kind, gen, scale=1e-4)
    KINDS[kind].constrain(tiny, torch.zeros(1, 2), torch.ones(1, 2), 0.05)
    box = KINDS[kind].bbox(tiny)[0]
    assert (box[2:] - box[:2]).max() >= 0.05 - 1e-6


@kinds
def test_bbox_holds_all_coverage(kind, gen):
    p = one(kind, gen)
    x, y = grid(64)
    cov = hard_coverage(KINDS[kind].sdf, p, x, y, 1 / 64, 4)[0]
    x0, y0, x1, y1 = (KINDS[kind].bbox(p)[0] * 64).tolist()
    rows, cols = torch.nonzero(cov > 0, as_tuple=True)
    assert cols.min() >= math.floor(x0) and cols.max() <= math.ceil(x1)
    assert rows.min() >= math.floor(y0) and rows.max() <= math.ceil(y1)


@kinds
def test_svg_element_parses(kind, gen):
    tag, attrs = KINDS[kind].svg(one(kind, gen)[0].tolist(), lambda v: f"{v * 100:.2f}")
    el = ET.fromstring(f"<{tag} {' '.join(f'{k}={chr(34)}{v}{chr(34)}' for k, v in attrs.items())}/>")
    assert el.tag == tag and el.attrib == attrs


def test_parse_kinds_accepts_lists_and_all_and_names_known_kinds_on_error():
    assert parse_kinds("circle, triangle,circle") == ("circle", "triangle")
    assert parse_kinds("all") == tuple(KINDS)
    with pytest.raises(ValueError, match="known kinds: triangle, circle, rect"):
        parse_kinds("triangle,hexagon")


def test_polygon_takes_any_corner_count_from_3_to_16(gen):
    assert parse_kinds("polygon:6,triangle") == ("polygon:6", "triangle")
    # One kind, one name: polygon:06 named other files and counted apart from polygon:6.
    assert parse_kinds("POLYGON:06,polygon:6") == ("polygon:6",)
    assert parse_kinds("polygon:4,polygon") == ("polygon",)  # four corners is polygon itself
    with pytest.raises(ValueError, match=r"^'polygon:²' is not a shape kind; known kinds"):  # int() refused it
        parse_kinds("polygon:²")
    six = resolve_kind("polygon:6")
    p = six.init(torch.tensor([[0.5, 0.5]]), torch.tensor([0.2]), gen)
    assert p.shape == (1, 9)
    tag, attrs = six.svg(p[0].tolist(), lambda v: f"{v * 100:.1f}")
    assert tag == "path" and len(attrs["d"].strip("Mz").replace("-", " -").split()) == 12  # six corners
    assert "polygon:6" not in parse_kinds("all")
    with pytest.raises(ValueError, match="'polygon:40' is not a shape kind: a polygon has 3 to 16 corners"):
        parse_kinds("polygon:40")


@pytest.mark.parametrize("kind", [*KINDS, "polygon:5"])
def test_a_shape_with_a_negative_size_is_refused_when_made(kind):
    # A circle of r="-6" is an error in SVG, and paints nothing here.
    names = resolve_kind(kind).params
    params = resolve_kind(kind).init(torch.full((1, 2), 0.5), torch.full((1,), 0.1), torch.Generator().manual_seed(0))[
        0
    ]
    Shape(kind, tuple(params.tolist()), (1, 0, 0))
    sizes = [i for i, n in enumerate(names) if is_size(n)]
    assert sizes or kind in ("triangle", "rect"), names
    for i in sizes:
        bad = params.clone()
        bad[i] = -0.05
        with pytest.raises(ValueError, match=f"{names[i]} is a size and may not be negative"):
            Shape(kind, tuple(bad.tolist()), (1, 0, 0))


def test_a_shape_too_large_to_render_is_refused_when_made():
    # An ellipse of rx=1e300 was made, and rendering it raised OverflowError.
    with pytest.raises(ValueError, match=r"^an ellipse's params must be 4 numbers from -1000 to 1000 \(cx, cy, rx"):
        Shape("ellipse", (0.5, 0.5, 1e300, 0.1), (1, 0, 0))
    with pytest.raises(ValueError, match="^a circle's params must be 3 numbers"):
        Shape("circle", (0.5, 0.5, float("nan")), (1, 0, 0))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Shape("circle", ("a", 1, 1), (1, 0, 0)), "^a circle's params must be 3 numbers"),
        (lambda: Shape("circle", None, (1, 0, 0)), "^a circle's params must be 3 numbers"),
        (lambda: Shape("circle", (0.5, 0.5, 0.1), (1, 0, 0), None), "^a shape's alpha must be a number"),
        (lambda: Scene(10, 10, None, None), "^a scene's shapes must be a list"),
        (lambda: setattr(Scene(10, 10, None), "shapes", [1]), "^a scene's shapes must be primify.Shape"),
    ],
)
def test_a_shape_or_scene_of_the_wrong_types_is_refused_naming_the_argument(make, message):
    # Each said only "could not convert string to float: 'a'" or "'NoneType' object is not iterable".
    with pytest.raises(TypeError, match=message):
        make()


def test_a_scene_checks_what_is_assigned_to_it_as_when_made():
    # Assigned afterwards, a width of -5 overflowed deep in torch and a background of 2 was clamped.
    scene = Scene(10, 10, (0.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="^a scene's width must be a whole number"):
        scene.width = -5
    with pytest.raises(ValueError, match="^a scene's background must be three numbers in"):
        scene.background = (2, 0, 0)
    with pytest.raises(ValueError, match="^a scene's background is None where it is transparent"):
        Scene(10, 10, "transparent")
    scene.background = "navy"
    assert (scene.width, scene.background) == (10, (0.0, 0.0, 128 / 255))


def test_a_polygon_in_a_box_narrower_than_its_least_size_gets_no_negative_radius():
    # The centre is pushed past the box, and the room left was negative: since shapes refuse
    # negative sizes, a fit with a large min_size then crashed.
    p = resolve_kind("polygon").init(torch.full((1, 2), 0.5), torch.full((1,), 0.2), torch.Generator().manual_seed(0))
    resolve_kind("polygon").constrain(p, torch.tensor([[0.5, 0.0]]), torch.tensor([[0.501, 1.0]]), 0.01)
    assert (p[:, 3:] >= 0).all()
    Shape("polygon", tuple(p[0].tolist()), (1, 0, 0))
