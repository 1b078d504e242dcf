"""Scene files, re-rendering, --init, --target-psnr and animations."""

import io
import json
import os
import re

import numpy as np
import pytest
import resvg_py
import torch
from PIL import Image, ImageSequence
from typer.testing import CliRunner

import primify
from primify import cli
from primify.io.scenefile import dumps, loads, to_dict

FAST = ["--size", "24", "-n", "12", "-q"]


def invoke(*args):
    return CliRunner().invoke(cli.app, list(map(str, args)))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = ((a.astype(float) - b.astype(float)) ** 2).mean()
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


@pytest.fixture
def scene_file(photo, tmp_path):
    path = tmp_path / "photo.json"
    result = invoke("convert", photo, *FAST, "-o", path, "-o", tmp_path / "photo.png")
    assert result.exit_code == 0, result.output
    return path


def test_scene_json_is_versioned_with_kind_names_and_named_parameters(scene_file):
    data = json.loads(scene_file.read_text())
    assert (data["format"], data["version"], data["width"], data["height"]) == ("primify-scene", 1, 24, 18)
    shape = data["shapes"][0]
    assert shape["kind"] == "triangle" and list(shape["params"]) == ["x0", "y0", "x1", "y1", "x2", "y2"]
    assert len(shape["colour"]) == 3 and 0 < shape["alpha"] <= 1 and len(data["shapes"]) == 12


def test_scene_round_trips_exactly(scene_file):
    scene = loads(scene_file.read_text())
    assert loads(dumps(scene)) == scene
    assert to_dict(scene) == json.loads(scene_file.read_text())
    # true equals 1 in Python, and was read as version 1.
    with pytest.raises(ValueError, match="scene version true is not supported"):
        loads(json.dumps({**to_dict(scene), "version": True}))
    with pytest.raises(ValueError, match=r"^not a scene: it has a whole number of 500[0-9] digits$"):
        loads(json.dumps(to_dict(scene)).replace('"width": ', '"width": 1' + "0" * 5000, 1))  # past Python's limit
    with pytest.raises(ValueError, match='^the scene has no "version"$'):  # it was "scene version null"
        loads(json.dumps({k: v for k, v in to_dict(scene).items() if k != "version"}))


def test_render_at_four_times_the_size_matches_the_convert_png_and_its_svg(scene_file, tmp_path):
    result = invoke("render", scene_file, "-o", tmp_path / "big.png", "-o", tmp_path / "big.svg", "--output-size", 96)
    assert result.exit_code == 0, result.output
    big = np.asarray(Image.open(tmp_path / "big.png"))
    assert big.shape == (72, 96, 3)
    svg = np.asarray(
        Image.open(
            io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_path=str(tmp_path / "big.svg"), width=96, height=72)))
        ).convert("RGB")
    )
    assert psnr(big, svg) >= 35
    again = invoke("render", scene_file, "-o", tmp_path / "same.png", "--output-size", 48)
    assert again.exit_code == 0
    assert np.array_equal(np.asarray(Image.open(tmp_path / "same.png")), np.asarray(Image.open(tmp_path / "photo.png")))


def test_a_scene_renders_in_the_proportions_of_the_picture_it_was_fitted_to(tmp_path):
    # The scene kept only its working size, whose whole pixels come near the picture's proportions:
    # a 250 by 89 picture works at 25 by 9 here, and its scene rendered 250 px wide came out 250 by
    # 90, where convert's PNG is 250 by 89 (a 3000 by 2000 photo's, at 256, 3000 by 2004).
    photo = tmp_path / "wide.png"
    Image.new("RGB", (250, 89), "olive").save(photo)
    args = ["--size", "25", "-n", "2", "-q"]
    assert invoke("convert", photo, *args, "-o", tmp_path / "w.json", "-o", tmp_path / "w.png").exit_code == 0
    data = json.loads((tmp_path / "w.json").read_text())
    assert (data["width"], data["height"], data["source"]) == (25, 9, [250, 89])
    outputs = ["-o", tmp_path / "r.png", "-o", tmp_path / "r.svg"]
    result = invoke("render", tmp_path / "w.json", *outputs, "--output-size", 250)
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "r.png").size == Image.open(tmp_path / "w.png").size == (250, 89)
    assert 'width="250" height="89"' in (tmp_path / "r.svg").read_text()
    # A scene without one, as written before, renders as it did.
    del data["source"]
    assert loads(json.dumps(data)).size_for(250) == (250, 90)
    scene = primify.convert(np.zeros((10, 300, 3), np.uint8), shapes=1, size=32)
    assert (scene.width, scene.height, scene.source) == (32, 1, (300, 10))
    assert scene.render(3000).size == (3000, 100)


def test_a_jpeg_decoded_small_whose_working_size_rounds_otherwise_converts(tmp_path):
    # A 451 by 300 JPEG is decoded at half size for --size 64, which rounds to 64 by 42 where
    # its own proportions give 43: measuring the scene at a longer side of 64, in the picture's
    # proportions, failed every such conversion ("operands could not be broadcast").
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (300, 451, 3), dtype=np.uint8)).save(tmp_path / "p.jpg", quality=90)
    done = invoke("convert", tmp_path / "p.jpg", "--size", "64", "-n", "2", "-q", "-o", tmp_path / "p.json")
    assert done.exit_code == 0, done.output
    data = json.loads((tmp_path / "p.json").read_text())
    assert (data["width"], data["height"], data["source"]) == (64, 42, [451, 300])


def test_a_very_thin_pictures_scene_is_read_back_and_continued(tmp_path):
    # A 900 by 2 picture works at 20 by 1 (its height rounded up to a pixel): its scene was written,
    # then refused by render and --init as "not the shape of its canvas".
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (2, 900, 3), dtype=np.uint8)).save(tmp_path / "t.png")
    thin = ["convert", tmp_path / "t.png", "--size", "20", "-q"]
    assert invoke(*thin, "-n", "3", "-o", tmp_path / "t.json").exit_code == 0
    assert json.loads((tmp_path / "t.json").read_text())["source"] == [900, 2]
    assert invoke("render", tmp_path / "t.json", "-o", tmp_path / "r.png").exit_code == 0
    more = invoke(*thin, "-n", "5", "--init", tmp_path / "t.json", "-o", tmp_path / "more.json")
    assert more.exit_code == 0, more.output
    assert len(loads((tmp_path / "more.json").read_text()).shapes) == 5
    # Turned the other way it is still another picture's.
    other = {**json.loads((tmp_path / "t.json").read_text()), "source": [2, 900]}
    with pytest.raises(ValueError, match="not the shape of its canvas"):
        loads(json.dumps(other))


@pytest.mark.parametrize(
    "source, said",
    [
        ([250], 'the scene\'s "source" must be [width, height], whole numbers from 1 to 2147483647, not [250]'),
        ([250, 0], 'the scene\'s "source" must be [width, height], whole numbers from 1 to 2147483647, not [250, 0]'),
        ([250.5, 89], "must be [width, height]"),
        ("250x89", "must be [width, height]"),
        ([89, 250], 'the scene\'s "source" is 89×250, not the shape of its canvas (25×9)'),
    ],
)
def test_a_scene_file_whose_source_is_not_its_picture_is_refused(source, said):
    data = {"format": "primify-scene", "version": 1, "width": 25, "height": 9, "background": None, "shapes": []}
    with pytest.raises(ValueError) as e:
        loads(json.dumps({**data, "source": source}))
    assert said in str(e.value)


def test_render_refuses_bad_scenes_and_existing_outputs(tmp_path, scene_file):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "primify-scene", "version": 9}')
    result = invoke("render", bad, "-o", tmp_path / "x.png")
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"error: cannot read '{bad}': scene version 9 is not supported (this primify reads version 1)\n"
    )
    (tmp_path / "x.png").write_bytes(b"")
    # It was a usage error (exit 2), where convert's refusal of an existing output exits 1.
    result = invoke("render", scene_file, "-o", tmp_path / "x.png")
    assert result.exit_code == 1
    assert result.stderr == f"error: '{tmp_path / 'x.png'}' exists; pass --overwrite to replace it\n"
    assert (tmp_path / "x.png").read_bytes() == b""
    assert invoke("render", tmp_path, "-o", tmp_path / "y.png").stderr.endswith("it is a folder, not a file\n")


def test_a_blank_scene_file_says_it_is_empty(tmp_path):
    # It said "not valid JSON (Expecting value at line 1)".
    blank = tmp_path / "blank.json"
    blank.write_text(" \n")
    with pytest.raises(ValueError, match="^it is empty, not a primify scene$"):
        primify.load_scene(blank.read_bytes())
    # A path is named, as the command line names it: a notebook may read many.
    with pytest.raises(ValueError, match=f"^cannot read '{re.escape(str(blank))}': it is empty, not a primify scene$"):
        primify.load_scene(blank)
    with open(blank, "rb") as f, pytest.raises(ValueError, match=f"^cannot read '{re.escape(str(blank))}': it is"):
        primify.load_scene(f)
    result = invoke("render", blank, "-o", tmp_path / "x.png")
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot read '{blank}': it is empty, not a primify scene\n"


def test_init_keeps_adding_to_a_scene(photo, scene_file, tmp_path):
    result = invoke(
        "convert", photo, "--size", "24", "-n", "20", "--init", scene_file, "-o", tmp_path / "more.json", "-q"
    )
    assert result.exit_code == 0, result.output
    before, after = loads(scene_file.read_text()), loads((tmp_path / "more.json").read_text())
    assert len(after.shapes) == 20 and after.background == before.background
    target = primify.io.picture.working(Image.open(photo).convert("RGB"), 24)
    assert primify.fit.metrics.psnr_of(after, target) > primify.fit.metrics.psnr_of(before, target)


def test_init_with_another_aspect_ratio_is_refused(scene_file, tmp_path):
    Image.new("RGB", (30, 30), "red").save(tmp_path / "square.png")
    result = invoke("convert", tmp_path / "square.png", *FAST, "--init", scene_file, "-o", tmp_path / "s.png")
    assert result.exit_code == 1 and "not of the picture's proportions" in result.stderr


def test_a_mask_or_scene_of_other_proportions_is_measured_against_the_files_own_size(scene_file, tmp_path):
    # A JPEG is decoded at a smaller scale: 600×400 was said to be 300×200 at --size 64.
    Image.new("RGB", (600, 400), "red").save(tmp_path / "wide.jpg")
    Image.new("L", (800, 800), 255).save(tmp_path / "mask.jpg")  # decoded small, it was 200×200
    run = [tmp_path / "wide.jpg", "--size", "64", "-n", "40", "-o", tmp_path / "x.png"]
    said = "error: cannot convert '{}': {} is {}, not of the picture's proportions (600×400)\n"
    masked = invoke("convert", *run, "--mask", tmp_path / "mask.jpg")
    assert masked.exit_code == 1 and masked.stderr == said.format(tmp_path / "wide.jpg", "the mask", "800×800")
    with pytest.raises(ValueError, match="^the mask is 800×800, not of the picture's proportions \\(600×400\\)$"):
        primify.convert(tmp_path / "wide.jpg", size=64, shapes=4, mask=tmp_path / "mask.jpg")
    scene = loads(scene_file.read_text())
    started = invoke("convert", *run, "--init", scene_file)
    size = f"{scene.width}×{scene.height}"
    assert started.exit_code == 1 and started.stderr == said.format(tmp_path / "wide.jpg", "the starting scene", size)
    assert not (tmp_path / "x.png").exists()


def test_target_psnr_stops_early(picture, fast):
    full = primify.convert(picture, fast, generator=torch.Generator().manual_seed(0), polish_steps=0)
    goal = primify.fit.metrics.psnr_of(full, picture) - 2
    scene = primify.convert(picture, fast, generator=torch.Generator().manual_seed(0), target_psnr=goal, polish_steps=0)
    assert len(scene.shapes) < fast.shapes
    assert primify.fit.metrics.psnr_of(scene, picture) >= goal - 0.1


def test_target_psnr_from_the_command_line(photo):
    result = invoke(
        "convert",
        photo,
        "--size",
        "24",
        "-n",
        "40",
        "--target-psnr",
        "18",
        "--json",
        "--format",
        "svg",
        "--out-dir",
        photo.parent,
    )
    record = json.loads(result.stdout)
    assert result.exit_code == 0 and record["shapes"] < 40 and record["psnr"] >= 18


def test_gif_and_frames_have_as_many_frames_as_asked(photo, tmp_path):
    result = invoke(
        "convert",
        photo,
        *FAST,
        "--every",
        4,
        "-o",
        tmp_path / "a.gif",
        "-o",
        tmp_path / "a.json",
        "--frames",
        tmp_path / "frames",
    )
    assert result.exit_code == 0, result.output
    gif = Image.open(tmp_path / "a.gif")
    assert gif.n_frames == 3 and gif.size == (24, 18) and gif.info["loop"] == 0
    assert [f.info["duration"] for f in ImageSequence.Iterator(gif)] == [80, 80, 2000]
    frames = sorted((tmp_path / "frames").iterdir())
    assert [f.name for f in frames] == ["photo.0001.png", "photo.0002.png", "photo.0003.png"]
    final = np.asarray(loads((tmp_path / "a.json").read_text()).render())
    assert np.array_equal(np.asarray(Image.open(frames[-1])), final)
    last_gif = np.asarray(list(ImageSequence.Iterator(gif))[-1].convert("RGB")).astype(int)
    assert np.abs(last_gif - final).mean() < 8  # a GIF's 256 colours are close to the PNG's


def test_a_blur_blurs_every_frame_of_a_gif_and_of_frames_as_it_does_the_png(photo, tmp_path):
    # The GIF and the frames were drawn sharp, the blur ignored without a word.
    result = invoke(
        "convert", photo, *FAST, "--blur", 3, "--every", 4, "-o", tmp_path / "a.png", "-o", tmp_path / "a.gif",
        "-o", tmp_path / "a.json", "--frames", tmp_path / "frames",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # Animations are drawn at the working size, the PNG at the input's: as the PNG is drawn there.
    scene = loads((tmp_path / "a.json").read_text())
    png = np.asarray(scene.render(blur=3, size=Image.open(tmp_path / "a.png").size[0]))
    assert np.array_equal(png, np.asarray(Image.open(tmp_path / "a.png")))
    png = np.asarray(scene.render(blur=3)).astype(int)
    frames = sorted((tmp_path / "frames").iterdir())
    assert np.array_equal(np.asarray(Image.open(frames[-1])), png)
    first = scene.shapes[:4]
    early = np.asarray(primify.Scene(scene.width, scene.height, scene.background, first).render(blur=3))
    assert np.array_equal(np.asarray(Image.open(frames[0])), early)
    gif = [np.asarray(f.convert("RGB")).astype(int) for f in ImageSequence.Iterator(Image.open(tmp_path / "a.gif"))]
    sharp = np.asarray(scene.render()).astype(int)
    assert np.abs(gif[-1] - png).mean() < 2 < np.abs(gif[-1] - sharp).mean()


def test_frames_that_exist_are_refused_before_any_work_and_overwrite_leaves_no_stale_ones(photo, tmp_path):
    frames = tmp_path / "frames"
    first = invoke("convert", photo, *FAST, "--every", 2, "--frames", frames, "--out-dir", tmp_path / "o1")
    assert first.exit_code == 0, first.output
    assert len(list(frames.iterdir())) == 6
    again = [photo, "--size", "24", "-n", "8", "--every", 4, "--frames", frames, "--json"]
    second = invoke("convert", *again, "--out-dir", tmp_path / "o2")
    record = json.loads(second.stdout)
    assert second.exit_code == 1 and record["seconds"] == 0
    assert record["error"].startswith(f"'{frames / 'photo.0001.png'}' exists; pass --overwrite")
    Image.new("RGB", (4, 4)).save(frames / "photo.0009.png")  # not primify's: never removed
    # Alone in a frames folder, it is kept unless this run's frames reach its number.
    (tmp_path / "f2").mkdir()
    os.replace(frames / "photo.0009.png", tmp_path / "f2" / "photo.0009.png")
    alone = invoke(
        "convert", photo, "--size", "24", "-n", "8", "--frames", tmp_path / "f2", "--out-dir", tmp_path / "o4", "--json"
    )
    said = "exists; pass --overwrite to let frames replace it (it is kept where they stop short of its number)"
    assert said in json.loads(alone.stdout)["error"]
    os.replace(tmp_path / "f2" / "photo.0009.png", frames / "photo.0009.png")
    # primify's, but no frame: a picture written with -o under a frame's name was taken away.
    assert invoke("convert", photo, *FAST, "-o", frames / "photo.0030.png").exit_code == 0
    third = invoke("convert", *again, "--out-dir", tmp_path / "o3", "--overwrite")
    assert third.exit_code == 0, third.output
    kept = ["photo.0001.png", "photo.0002.png", "photo.0009.png", "photo.0030.png"]
    assert sorted(f.name for f in frames.iterdir()) == kept
    assert [Image.open(frames / name).info.get("Frame") for name in kept] == ["1", "2", None, None]


@pytest.mark.parametrize(
    "case",
    [
        "the mask",
        "another input",
        "an earlier frame named as an input",
        "a link to a frame",
        "a link to a link in the frames folder",
        "a name with a newline",
        "an output",
    ],
)
def test_frames_never_replace_or_delete_an_input_or_an_output(photo, tmp_path, case):
    # A frame's number depends on the shapes a run places, so any file of a frame's name in the
    # frames folder could be written, or, with --overwrite, taken away as an earlier run's frame.
    frames = tmp_path / "frames"
    frames.mkdir()
    frame = frames / "photo.0002.png"
    run = [photo, *FAST, "--every", 4, "--frames", frames, "--overwrite"]
    run += ["--name", "{stem}.0002.{ext}", "--out-dir", frames] if case == "an output" else ["--out-dir", tmp_path]
    if case == "the mask":
        Image.new("L", (24, 18), 255).save(frame)
        run += ["--mask", frame]
    elif case == "another input":
        Image.new("RGB", (4, 4), "red").save(frame)
        run += [frame]
    elif case == "an earlier frame named as an input":
        assert invoke("convert", *run).exit_code == 0
        run += [frame]
    elif case == "a link to a frame":
        Image.new("RGB", (4, 4), "red").save(frame)
        (tmp_path / "link.png").symlink_to(frame)
        run += [tmp_path / "link.png"]
    elif case == "a link to a link in the frames folder":
        Image.new("RGB", (4, 4), "red").save(tmp_path / "real.png")
        frame.symlink_to(tmp_path / "real.png")
        (tmp_path / "link.png").symlink_to(frame)
        run += [tmp_path / "link.png"]
    elif case == "a name with a newline":
        (tmp_path / "a\nb.png").write_bytes(photo.read_bytes())
        frame = frames / "a\nb.0002.png"
        Image.new("RGB", (4, 4), "red").save(frame)
        run = [tmp_path / "a\nb.png", *run[1:], frame]
    before = frame.read_bytes() if frame.exists() else None
    result = invoke("convert", *run)
    if case == "an earlier frame named as an input":
        # Named beside another input, an output of ours is left out, as a shell's `*` names it.
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2, result.output
    assert "refusing to write the frames of" in " ".join(result.output.split())
    assert (frame.read_bytes() if frame.exists() else None) == before


def test_a_folder_where_a_frame_goes_is_refused_before_any_work_and_makes_no_output_folder(photo, tmp_path):
    (tmp_path / "frames" / "photo.0002.png").mkdir(parents=True)
    args = [photo, *FAST, "--every", 4, "--frames", tmp_path / "frames", "--out-dir", tmp_path / "out", "--json"]
    result = invoke("convert", *args, "--overwrite")  # was found out after the work, unclearly
    record = json.loads(result.stdout)
    assert result.exit_code == 1 and record["seconds"] == 0
    assert record["error"] == f"cannot write '{tmp_path / 'frames' / 'photo.0002.png'}': it is a folder"
    assert not (tmp_path / "out").exists()


def test_a_render_in_bands_is_the_render_in_one_piece(scene_file, monkeypatch):
    scene = loads(scene_file.read_text())
    whole = np.asarray(scene.render(100))
    monkeypatch.setattr(primify.render.hard, "_MAX_BAND", 100 * 7)
    assert np.array_equal(np.asarray(scene.render(100)), whole)


DOT = primify.Shape("circle", (0.5, 0.3, 0.2), (1.0, 0.0, 0.0))
LOOKS = {
    "blur nan": (lambda s: s.render(30, blur=float("nan")), "blur must"),
    "blur inf": (lambda s: s.render(30, blur=float("inf")), "blur must"),
    "blur -1": (lambda s: s.render(30, blur=-1), "blur must"),
    "svg blur -1": (lambda s: primify.to_svg(s, blur=-1), "blur must"),
    "blur 1e9": (lambda s: s.render(30, blur=1e9), "blur must"),  # took all memory
    "svg blur 1e9": (lambda s: primify.to_svg(s, blur=1e9), "blur must"),
    "samples 2.5": (lambda s: s.render(30, samples=2.5), "samples must"),
    "samples 0": (lambda s: s.render(30, samples=0), "samples must"),
    "tensor samples -1": (lambda s: s.render_tensor(samples=-1), "samples must"),
    "every 0": (lambda s: s.save("a.gif", every=0), "every must"),
    "every -1": (lambda s: s.save("a.gif", every=-1), "every must"),
    "save blur nan": (lambda s: s.save("a.png", blur=float("nan")), "blur must"),
    "tensor margin -1": (lambda s: s.render_tensor(30, margin=-1), "margin must"),  # cropped the render
}


@pytest.mark.parametrize("case", list(LOOKS))
def test_render_and_save_options_are_checked_naming_the_option(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make, message = LOOKS[case]
    with pytest.raises(ValueError, match=f"^{message} .*, not "):
        make(primify.Scene(30, 20, (0.0, 0.0, 0.0), [DOT]))
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "call, error, said",
    [
        (lambda s: s.save("a.json", blur=2), ValueError, "blur: a .json scene file is not drawn, so it takes no blur"),
        (lambda s: s.save("a.json", 64), ValueError, "size: a .json scene file is not drawn, so it takes no size"),
        # 0 was "a render's size must be ... at least 1", as if a larger one would do.
        (lambda s: s.save("a.json", 0), ValueError, "size: a .json scene file is not drawn, so it takes no size"),
        (lambda s: s.save("a.png", every=2), ValueError, "every: it sets the shapes a GIF's frame adds, and 'a.png'"),
        (lambda s: s.save("a.png", precision=2), ValueError, "precision: it sets an SVG's decimals, and 'a.png' is"),
        (lambda s: s.save(io.BytesIO()), TypeError, "path must be a file's name (a str or os.PathLike), not BytesIO"),
    ],
    ids=["json blur", "json size", "json size 0", "png every", "png precision", "file object"],
)
def test_scene_save_refuses_what_it_would_ignore_or_could_not_name(call, error, said, tmp_path, monkeypatch):
    # Each was ignored without a word, or failed deep in pathlib.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error) as caught:
        call(primify.Scene(30, 20, (0.0, 0.0, 0.0), [DOT]))
    assert str(caught.value).startswith(said)
    assert not list(tmp_path.iterdir())


def test_scene_save_writes_no_json_that_load_scene_refuses(tmp_path):
    # (A parameter too large for a scene file is refused as the Shape is made: test_shapes.)
    scene = primify.Scene(70000, 10, (0.0, 0.0, 0.0), [DOT])
    with pytest.raises(ValueError, match="width and height must be whole numbers from 1 to 65535"):
        scene.save(tmp_path / "big.json")
    assert not list(tmp_path.iterdir())
    scene.save(tmp_path / "big.svg")  # other formats have no such limits


def test_one_shape_is_said_as_one_and_no_shapes_as_none(tmp_path):
    # "1 shapes" on render's line, and "0 shapes ()" in an empty scene's SVG <desc>.
    dot = primify.Shape("circle", (0.5, 0.5, 0.2), (1.0, 0.0, 0.0))
    for n, said in ((1, "1 shape (circle)"), (0, "0 shapes,")):
        path = tmp_path / f"{n}.json"
        primify.Scene(8, 8, (0, 0, 0), [dot] * n).save(path)
        result = invoke("render", path, "-o", tmp_path / f"{n}.svg")
        assert (
            result.exit_code == 0
            and result.stderr == f"{path}: {n} {'shape' if n == 1 else 'shapes'} -> {tmp_path / f'{n}.svg'}\n"
        )
        assert f"<desc>primify {primify.__version__}, {said}" in (tmp_path / f"{n}.svg").read_text()
