"""``--background transparent``: shapes over nothing, fitted to colour and alpha together."""

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import resvg_py
import torch
from PIL import Image
from typer.testing import CliRunner

import primify
from primify import cli
from primify.model import Scene, Shape
from primify.render.svg import to_svg
from primify.settings import Settings


@pytest.fixture
def sticker(picture) -> Image.Image:
    """The test picture cut to an ellipse with an anti-aliased edge on transparent ground."""
    y, x = np.mgrid[0:36, 0:48] + 0.5
    inside = np.clip((1 - np.hypot((x - 24) / 17, (y - 18) / 13)) * 15 + 0.5, 0, 1)
    alpha = (inside * 255 + 0.5).astype(np.uint8)
    return Image.fromarray(np.dstack([np.asarray(picture), alpha]), "RGBA")


def over(rgba: np.ndarray, ground: float) -> np.ndarray:
    """8-bit straight RGBA laid over a grey level in [0, 1], as floats in [0, 255]."""
    a = rgba[..., 3:] / 255.0
    return rgba[..., :3] * a + 255.0 * ground * (1 - a)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return 10 * np.log10(255**2 / ((a - b) ** 2).mean())


def test_png_keeps_alpha_transparent_where_the_input_is_and_opaque_where_it_is(sticker, fast, gen):
    scene = primify.convert(sticker, fast, background="transparent", generator=gen)
    assert scene.background is None
    png = scene.render()
    assert png.mode == "RGBA"
    alpha = np.asarray(png)[..., 3].astype(int)
    source = np.asarray(sticker)[..., 3]
    assert (alpha[source == 0] <= 25).mean() >= 0.9
    assert (alpha[source == 255] >= 200).mean() >= 0.9


def test_svg_has_no_background_and_a_real_renderer_agrees_with_the_png(sticker, fast, gen):
    scene = primify.convert(sticker, fast, background="transparent", kinds=("triangle", "rect"), generator=gen)
    svg = to_svg(scene)
    root = ET.fromstring(svg)
    assert root.find("{http://www.w3.org/2000/svg}rect") is None  # no background
    assert len(root.find("{http://www.w3.org/2000/svg}g")) == len(scene.shapes)
    png = np.asarray(scene.render(), dtype=np.float64)
    rendered = np.asarray(
        Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_string=svg)))).convert("RGBA"), dtype=np.float64
    )
    assert psnr(png[..., 3], rendered[..., 3]) >= 35
    for ground in (0.0, 1.0):
        assert psnr(over(png, ground), over(rendered, ground)) >= 35


def test_a_transparent_scene_renders_straight_rgba_with_exact_coverage():
    half = Shape("rect", (0.0, 0.0, 0.5, 1.0), (1.0, 0.5, 0.0), 0.5)
    scene = Scene(8, 8, None, [half, Shape("rect", (0.0, 0.0, 0.25, 1.0), (0.0, 0.0, 1.0), 1.0)])
    px = np.asarray(scene.render())
    assert tuple(px[4, 0]) == (0, 0, 255, 255)
    assert tuple(px[4, 3]) == (255, 128, 0, 128)
    assert px[4, 5, 3] == 0


def test_transparent_runs_are_repeatable_and_measured_over_black_and_white(sticker, fast, gen):
    a = primify.convert(sticker, fast, background="transparent", generator=torch.Generator().manual_seed(3))
    b = primify.convert(sticker, fast, background="transparent", generator=torch.Generator().manual_seed(3))
    assert a == b
    png, source = np.asarray(a.render(), dtype=np.float64), np.asarray(sticker, dtype=np.float64)
    expected = 10 * np.log10(255**2 / np.mean([((over(png, g) - over(source, g)) ** 2).mean() for g in (0, 1)]))
    assert primify.fit.metrics.psnr_of(a, sticker) == pytest.approx(expected, abs=0.05)
    assert expected >= 18


def test_settings_refuse_an_unknown_background_word():
    with pytest.raises(ValueError, match="transparent"):
        Settings(background="clear")


def test_cli_writes_a_png_with_alpha_an_svg_without_background_and_a_jpeg_over_white(sticker, tmp_path):
    src = tmp_path / "sticker.png"
    sticker.save(src)
    outs = [tmp_path / f"out.{ext}" for ext in ("png", "svg", "jpg")]
    result = CliRunner().invoke(
        cli.app,
        [
            "convert",
            str(src),
            "--background",
            "transparent",
            "--size",
            "48",
            "-n",
            "12",
            "-q",
            *[a for p in outs for a in ("-o", str(p))],
        ],
    )
    assert result.exit_code == 0, result.output
    png = Image.open(outs[0])
    assert png.mode == "RGBA" and np.asarray(png)[0, 0, 3] == 0
    assert "<rect" not in outs[1].read_text()
    jpeg = Image.open(outs[2])
    assert jpeg.mode == "RGB" and min(jpeg.getpixel((0, 0))) >= 245


def test_a_transparent_scene_file_renders_again_and_can_seed_a_longer_run(sticker, tmp_path):
    src = tmp_path / "sticker.png"
    sticker.save(src)
    args = ["--size", "48", "-q", "--output-size", "48"]
    result = CliRunner().invoke(
        cli.app,
        [
            "convert",
            str(src),
            "--background",
            "transparent",
            "-n",
            "8",
            *args,
            "-o",
            str(tmp_path / "a.png"),
            "-o",
            str(tmp_path / "a.json"),
            "-o",
            str(tmp_path / "a.gif"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"background": null' in (tmp_path / "a.json").read_text()
    again = CliRunner().invoke(
        cli.app, ["render", str(tmp_path / "a.json"), "-o", str(tmp_path / "b.png"), "--output-size", "48"]
    )
    assert again.exit_code == 0
    assert np.array_equal(np.asarray(Image.open(tmp_path / "a.png")), np.asarray(Image.open(tmp_path / "b.png")))
    assert Image.open(tmp_path / "a.gif").convert("RGB").getpixel((0, 0)) == (255, 255, 255)
    more = CliRunner().invoke(
        cli.app,
        ["convert", str(src), "--init", str(tmp_path / "a.json"), "-n", "12", *args, "-o", str(tmp_path / "c.png")],
    )
    assert more.exit_code == 0 and Image.open(tmp_path / "c.png").mode == "RGBA"


def test_every_shape_of_a_sticker_paints_something():
    # Over ground that must stay transparent, paint only adds error: the polish moved three of
    # these ten shapes wholly off the picture, where they were kept and written, painting nothing.
    rgba = np.array(Image.open(Path(__file__).parents[1] / "samples" / "chelsea.jpg").convert("RGBA").resize((60, 40)))
    rgba[:, :30, 3] = 0
    rgba[:20, 30:, 3] = 128
    kinds = "triangle,circle,line,bezier"
    scene = primify.convert(
        rgba, shapes=10, size=48, background="transparent", kinds=kinds, generator=torch.Generator().manual_seed(0)
    )
    full = np.asarray(scene.render(200))
    for i in range(len(scene.shapes)):
        without = Scene(scene.width, scene.height, None, scene.shapes[:i] + scene.shapes[i + 1 :])
        assert not np.array_equal(np.asarray(without.render(200)), full), scene.shapes[i]


def test_a_picture_whose_seen_pixels_are_one_pure_colour_gets_a_background_in_range():
    # Their weighted mean came out a hair over 1 (1.0000001): "a scene's background must be...".
    from PIL import ImageDraw

    picture = Image.new("RGBA", (64, 48), (0, 0, 0, 0))
    ImageDraw.Draw(picture).ellipse((10, 5, 50, 40), fill=(255, 0, 0, 200))
    scene = primify.convert(picture, shapes=1, effort="fast")
    assert all(0 <= c <= 1 for c in scene.background)
