"""The Python library as notebooks and services use it: only public names (issue 12)."""

import io
import json
import os
import pickle
import pydoc
import re
import signal
import subprocess
import sys
import threading
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

import primify
from primify import cli

TINY = dict(shapes=8, size=32, steps=6, candidates=2, polish_steps=4)
ROOT = Path(__file__).resolve().parent.parent


def tiny(**changes) -> primify.Settings:
    return primify.Settings(**{**TINY, **changes})


def run(image, **kw) -> primify.Scene:
    return primify.convert(image, tiny(), generator=torch.Generator().manual_seed(0), **kw)


def rgb8(picture) -> np.ndarray:
    return np.array(picture.convert("RGB"))


# 1. Gradients inside the caller's no_grad / inference_mode, which are left as they were.


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
def test_convert_works_inside_no_grad_and_inference_mode_and_leaves_the_mode(picture, mode):
    with mode():
        scene = run(picture)
        assert not torch.is_grad_enabled()
        assert torch.is_inference_mode_enabled() == (mode is torch.inference_mode)
    assert scene == run(picture)


# 2. Jupyter's stop button: the shapes so far are not lost.


def test_keyboard_interrupt_raises_interrupted_carrying_the_shapes_so_far(picture):
    reported = []

    def press_stop(progress):
        reported.append(progress)
        if progress.placed >= 2:
            signal.raise_signal(signal.SIGINT)

    # Python's own Ctrl-C handler, as in a terminal or a notebook: a shell's background job
    # starts with SIGINT ignored, and Python then installs none.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(primify.Interrupted) as caught:
            primify.convert(picture, tiny(shapes=40), generator=torch.Generator().manual_seed(0), progress=press_stop)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert isinstance(caught.value, KeyboardInterrupt)
    scene = caught.value.scene
    assert 2 <= len(scene.shapes) < 40 and (scene.width, scene.height) == (32, 24)
    assert scene.render().size == (32, 24)
    # Few shapes fit their background as they go: what is kept is the picture last reported,
    # shapes and background together, never shapes over a background they were not solved for.
    assert scene.background == pytest.approx(tuple(caught.value.background.tolist()))
    assert primify.fit.metrics.psnr_of(scene, picture.resize((32, 24), Image.LANCZOS)) == pytest.approx(
        reported[-1].psnr, abs=0.2
    )


# 3. Every input form, one rule: dtype gives the range, the layout is named.


def _as(picture, form):
    a = rgb8(picture)
    gray = np.asarray(picture.convert("L"))
    return {
        "float RGB in [0, 1]": lambda: a / 255.0,
        "float32 RGB": lambda: (a / 255.0).astype(np.float32),
        "uint16 RGB": lambda: a.astype(np.uint16) * 257,
        "CHW uint8": lambda: np.ascontiguousarray(a.transpose(2, 0, 1)),
        "HxWx4 uint8": lambda: np.dstack([a, np.full(a.shape[:2], 255, np.uint8)]),
        "torch CHW float": lambda: torch.from_numpy(a / 255.0).permute(2, 0, 1),
        "torch 1xCHW uint8": lambda: torch.from_numpy(a).permute(2, 0, 1)[None],
        "torch needing grad": lambda: torch.from_numpy(a / 255.0).permute(2, 0, 1).requires_grad_(),
        "float gray": lambda: gray / 255.0,
        "HxWx1 uint8": lambda: gray[..., None],
    }[form]()


@pytest.mark.parametrize(
    "form",
    [
        "float RGB in [0, 1]",
        "float32 RGB",
        "uint16 RGB",
        "CHW uint8",
        "HxWx4 uint8",
        "torch CHW float",
        "torch 1xCHW uint8",
        "torch needing grad",
    ],
)
def test_colour_arrays_and_tensors_give_the_scene_of_the_same_pil_picture(picture, form):
    assert run(_as(picture, form)) == run(picture)


@pytest.mark.parametrize("form", ["float gray", "HxWx1 uint8"])
def test_gray_arrays_give_the_scene_of_the_same_gray_picture(picture, form):
    scene = run(_as(picture, form))
    assert scene == run(picture.convert("L"))
    assert min(scene.background) > 0.2


def test_twelve_bit_data_in_int32_is_read_as_twelve_bit(picture):
    twelve = (rgb8(picture).astype(np.int32) * 4095) // 255
    scene = run(twelve)
    assert np.allclose(scene.background, run(picture).background, atol=0.01)


def test_deep_gray_pil_images_read_as_their_numpy_arrays():
    ramp = np.linspace(0, 1, 64 * 48, dtype=np.float32).reshape(48, 64)
    # Modes F, I and I;16: floats hold [0, 1], and 12-bit data reads as 12-bit.
    for data in (ramp, (ramp * 4095).astype(np.int32), (ramp * 65535).astype(np.uint16)):
        scene = run(Image.fromarray(data))
        assert scene == run(data) and 0.3 < scene.background[0] < 0.7
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        run(Image.fromarray(ramp * 255))


def test_bool_arrays_are_black_and_white():
    a = np.zeros((24, 32), bool)
    a[:, 16:] = True
    assert run(a) == run(Image.fromarray(a.astype(np.uint8) * 255))


def test_path_strings_and_paths_are_read_as_the_command_line_reads_them(photo):
    assert run(str(photo)) == run(photo) == run(primify.open(photo))


@pytest.mark.parametrize("form", ["bytes", "bytearray", "memoryview", "BytesIO", "open file"])
def test_a_files_bytes_and_binary_file_objects_are_read_as_the_file_is(photo, form):
    data = photo.read_bytes()
    with open(photo, "rb") as file:
        given = {"bytes": data, "bytearray": bytearray(data), "memoryview": memoryview(data)}
        given |= {"BytesIO": io.BytesIO(data), "open file": file}
        assert run(given[form]) == run(photo)
    assert primify.open(data).tobytes() == primify.open(photo).tobytes()


@pytest.mark.parametrize("data", [b"\x89PNG", b"photo.jpg"], ids=repr)
def test_bytes_that_are_no_picture_are_refused_as_an_unreadable_file_is(photo, data, monkeypatch):
    # Bytes are a picture's contents, never a path, even where a file of that name exists.
    monkeypatch.chdir(photo.parent)
    # Pillow's message named the BytesIO made of them: "<_io.BytesIO object at 0x7fc3...>".
    said = "not an image that Pillow can read"
    with pytest.raises(ValueError, match=f"^cannot read the bytes given: {said}$"):
        primify.convert(data, tiny())
    # A file object with a name is named.
    with open(photo.parent / "junk.png", "wb+") as f:
        f.write(data)
        f.seek(0)
        with pytest.raises(ValueError, match=f"^cannot read '{f.name}': {said}$"):
            primify.convert(f, tiny())
    with pytest.raises(ValueError, match=f"^cannot read the file given: {said}$"):
        primify.open(io.BytesIO(data))


def test_a_damaged_file_is_a_value_error_that_names_it_as_the_command_line_does(photo, tmp_path):
    # Pillow's own errors came through: "OSError: image file is truncated (76 bytes not
    # processed)" from deep inside Pillow, naming no file.
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(photo.read_bytes()[:300])
    said = "it is truncated: the file ends before the picture does"
    for given, name in ((cut, f"'{cut}'"), (str(cut), f"'{cut}'"), (cut.read_bytes(), "the bytes given")):
        with pytest.raises(ValueError, match=f"^cannot read {re.escape(name)}: {said}$"):
            primify.convert(given, tiny())
        with pytest.raises(ValueError, match=f"^cannot read {re.escape(name)}: {said}$"):
            primify.open(given)
    # A file that is not there is the OSError it is.
    with pytest.raises(FileNotFoundError):
        primify.convert(tmp_path / "gone.jpg", tiny())
    # Nothing at all is said in the command line's words too ("not an image" said less), and a
    # mask's bytes are the mask's.
    (tmp_path / "zero.jpg").write_bytes(b"")
    for given, name in ((tmp_path / "zero.jpg", f"'{tmp_path / 'zero.jpg'}'"), (b"", "the bytes given")):
        with pytest.raises(ValueError, match=f"^cannot read {re.escape(name)}: it is an empty file$"):
            primify.convert(given, tiny())
    with pytest.raises(ValueError, match=f"^cannot read the bytes given as mask: {said}$"):
        primify.convert(photo, tiny(), mask=cut.read_bytes())


@pytest.mark.parametrize("thing", [[[0, 1], [1, 0]], {"a": 1}, None, 3.5, io.StringIO("x")], ids=lambda t: str(t)[:9])
def test_anything_else_is_a_type_error_that_says_what_is_accepted(thing):
    with pytest.raises(TypeError, match="PIL image.*path.*bytes.*file object.*numpy array.*torch tensor"):
        primify.convert(thing, tiny())


@pytest.mark.parametrize(
    "bad",
    [
        np.full((8, 8, 3), 1.5),
        np.full((8, 8, 3), np.nan),
        np.full((8, 8), -3, np.int32),
        np.zeros((8, 8, 7), np.uint8),
        np.zeros((2, 8, 8, 3), np.uint8),
    ],
    ids=["float over 1", "nan", "negative int", "7 channels", "4 dimensions"],
)
def test_arrays_outside_the_contract_are_refused_with_the_reason(bad):
    with pytest.raises(ValueError, match="array|values"):
        primify.convert(bad, tiny())


# 4. A rotated JPEG: the library's loader is the command line's.


def test_an_exif_rotated_jpeg_is_upright_through_open_convert_and_the_cli(picture, tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rotated.jpg"
    picture.resize((64, 32)).save(path, exif=exif)
    assert primify.open(path).size == (32, 64)
    result = CliRunner().invoke(
        cli.app,
        ["convert", str(path), "-n", "4", "--size", "32", "--device", "cpu", "-q", "-o", str(tmp_path / "cli.json")],
    )
    assert result.exit_code == 0, result.output
    scene = primify.convert(path, shapes=4, size=32, generator=torch.Generator().manual_seed(0))
    assert (scene.width, scene.height) == (16, 32)
    assert scene == primify.load_scene(tmp_path / "cli.json")


# 5. Odd pictures and masks.


def test_an_empty_picture_is_a_value_error():
    with pytest.raises(ValueError, match="empty"):
        primify.convert(Image.new("RGB", (0, 0)), tiny())


def test_mode_la_is_read_as_transparent(picture):
    la = picture.convert("LA").convert("La")
    scene = run(la, background="transparent")
    assert scene.background is None and scene.shapes


def test_a_mask_may_be_a_numpy_array(picture):
    mask = np.zeros((picture.height, picture.width), np.uint8)
    mask[:, : picture.width // 2] = 255
    assert run(picture, mask=mask) == run(picture, mask=Image.fromarray(mask))


def test_a_mask_and_a_scene_of_the_pictures_own_shape_are_taken_at_any_working_size(picture):
    # 64×43 is 32×22 at size 32 (21.5 rounded), and 1000×660 is 16×11 at size 16 but 64×42 at
    # 64: each only as far from the other as rounding to whole pixels takes it.
    small = picture.resize((64, 43))
    assert (run(small, mask=np.ones((43, 64))).width, run(small).height) == (32, 22)
    wide = picture.resize((1000, 660))
    start = primify.convert(wide, tiny(size=16, shapes=2))
    assert (start.width, start.height) == (16, 11)
    more = primify.convert(wide, tiny(size=64), init=start)
    assert (more.width, more.height, more.background, len(more.shapes)) == (64, 42, start.background, 8)


def test_a_starting_scene_is_refused_where_a_setting_given_would_be_ignored(picture):
    # Its shapes and background are kept as they are: another background, opacity or palette
    # given was silently ignored (the command line refused only the background).
    start = primify.convert(picture, tiny(shapes=2, alpha=0.5, palette="red,navy"))
    for given, field in (
        (dict(background="white"), "background"),
        (dict(background="transparent"), "background"),
        (dict(alpha=1.0), "alpha"),
        (dict(palette="navy,gold"), "palette"),
        (dict(palette=2), "palette"),  # the colours picked from the picture are not red and navy
    ):
        with pytest.raises(ValueError, match=rf"^{field}: init has .*, which it keeps; leave {field} out$"):
            primify.convert(picture, tiny(**given), init=start)
    # Given again as it was made, it goes on, and the shapes added follow them too.
    more = primify.convert(picture, tiny(alpha=0.5, palette="navy,red", background=start.background), init=start)
    assert {s.alpha for s in more.shapes} == {0.5} and len(more.shapes) > len(start.shapes)
    assert {tuple(round(255 * v) for v in s.colour) for s in more.shapes} <= {(255, 0, 0), (0, 0, 128)}


def test_a_mask_of_another_aspect_ratio_is_refused(picture):
    with pytest.raises(ValueError, match="mask"):
        run(picture, mask=Image.new("L", (picture.width, picture.width), 255))


# 6. Settings checked at the door, numbers coerced where unambiguous, the CLI's words accepted.

ACCEPTED = {
    "alpha=1": (dict(alpha=1), "alpha", 1.0),
    "alpha_init=1": (dict(alpha_init=1), "alpha_init", 1.0),
    "int palette colours": (dict(palette=((1, 0, 0), (0, 0, 1))), "palette", ((1.0, 0.0, 0.0), (0.0, 0.0, 1.0))),
    "palette text": (dict(palette="#f00, blue"), "palette", ((1.0, 0.0, 0.0), (0.0, 0.0, 1.0))),
    "numpy palette count": (dict(palette=np.int64(4)), "palette", 4),
    "palette count text": (dict(palette="6"), "palette", 6),
    "kinds as one string": (dict(kinds="circle"), "kinds", ("circle",)),
    "kinds as a comma list": (dict(kinds="circle, rect"), "kinds", ("circle", "rect")),
    "kinds all": (dict(kinds=("all",)), "kinds", tuple(k for k in primify.KINDS)),
    "polygon variant": (dict(kinds=("polygon:6",)), "kinds", ("polygon:6",)),
    "background #rrggbb": (dict(background="#ff8000"), "background", (1.0, 128 / 255, 0.0)),
    "background #rgb": (dict(background="#f80"), "background", (1.0, 136 / 255, 0.0)),
    "background CSS name": (dict(background="white"), "background", (1.0, 1.0, 1.0)),
    "background auto": (dict(background="auto"), "background", None),
    "background transparent": (dict(background="transparent"), "background", "transparent"),
    "numpy background": (dict(background=np.array([0.0, 0.5, 1.0])), "background", (0.0, 0.5, 1.0)),
    "numpy shapes": (dict(shapes=np.int64(12)), "shapes", 12),
    "float shapes that is whole": (dict(shapes=12.0), "shapes", 12),
    "edge enum-like text": (dict(edge="tanh"), "edge", "tanh"),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_settings_accept_and_coerce(case):
    changes, name, value = ACCEPTED[case]
    got = getattr(primify.Settings(**changes), name)
    assert _exactly(got, value), got


def _exactly(a, b) -> bool:
    """Equal, and of the same types all the way down (1 is not 1.0 here)."""
    if isinstance(b, tuple):
        return type(a) is tuple and len(a) == len(b) and all(map(_exactly, a, b))
    return type(a) is type(b) and a == b


REFUSED = {
    "kinds unknown": (dict(kinds=("hexagon",)), "kinds"),
    "kinds empty": (dict(kinds=()), "kinds"),
    "kinds not text": (dict(kinds=(3,)), "kinds"),
    "background 0-255": (dict(background=(255, 255, 255)), "background"),
    "background word": (dict(background="clear"), "background"),
    "background two numbers": (dict(background=(0.5, 0.5)), "background"),
    "palette 0": (dict(palette=0), "palette"),
    "palette -2": (dict(palette=-2), "palette"),
    "palette True": (dict(palette=True), "palette"),
    "palette 0-255": (dict(palette=((255, 0, 0),)), "palette"),
    "edge relu": (dict(edge="relu"), "edge"),
    "candidates 0": (dict(candidates=0), "candidates"),
    "temperature_end 0": (dict(temperature_end=0), "temperature_end"),
    "temperature_end -1": (dict(temperature_end=-1), "temperature_end"),
    "tile 0": (dict(tile=0), "tile"),
    "shapes 2.5": (dict(shapes=2.5), "shapes"),
    "shapes text": (dict(shapes="12"), "shapes"),
    "shapes True": (dict(shapes=True), "shapes"),
    "alpha text": (dict(alpha="0.5"), "alpha"),
    "alpha 0": (dict(alpha=0), "alpha"),
    "size 4": (dict(size=4), "size"),
    "target_psnr nan": (dict(target_psnr=float("nan")), "target_psnr"),
    "lr_geometry -1": (dict(lr_geometry=-1), "lr_geometry"),
    "steps 0": (dict(steps=0), "steps"),
    "batch_growth inf": (dict(batch_growth=float("inf")), "batch_growth"),
    "lr_colour inf": (dict(lr_colour=float("inf")), "lr_colour"),
    "temperature_start inf": (dict(temperature_start=float("inf")), "temperature_start"),
    "min_size inf": (dict(min_size=float("inf")), "min_size"),
    "shapes too big for a float": (dict(shapes=10**400), "shapes"),
    "target_psnr too big for a float": (dict(target_psnr=10**400), "target_psnr"),
    # Each went on to fail deep inside (out of memory, an overflow) or ran for ever.
    "size over the command line's 4096": (dict(size=5000), "size"),
    "size 2**31": (dict(size=2**31), "size"),
    "tile 10**9": (dict(tile=10**9), "tile"),
    "candidates 10**9": (dict(candidates=10**9), "candidates"),
    "steps 10**12": (dict(steps=10**12), "steps"),
    "polish_steps 10**9": (dict(polish_steps=10**9), "polish_steps"),
}


@pytest.mark.parametrize(
    "value, error, said",
    [
        # "palette must be a colour ..., not 1": one colour's numbers, where a list was meant.
        ((1, 0, 0), TypeError, "palette is a list of colours; one colour is [(1, 0, 0)]"),
        # The whole list was printed, and never said there were too many.
        (["red"] * 300, ValueError, "palette must hold 1 to 256 colours, not 300"),
        # Text has no triples to give: the command line refuses every spelling of one.
        ("0", ValueError, "palette must be a count from 1 to 256, or colours such as '#264653,navy', not 0"),
        (0, ValueError, "or colours such as '#264653,navy' or RGB triples in [0, 1], not 0"),
    ],
)
def test_a_palette_of_the_wrong_form_says_what_is_wrong_with_it(value, error, said):
    with pytest.raises(error) as caught:
        primify.Settings(palette=value)
    assert str(caught.value).endswith(said)


def test_background_words_and_kinds_are_taken_in_any_case_as_colour_names_are():
    assert primify.Settings(background=" Transparent").background == "transparent"
    assert primify.Settings(background="AUTO").background is None
    # Kinds were refused capitalised, where the command line's other words are taken so.
    assert primify.Settings(kinds=("Circle", "RECT")).kinds == ("circle", "rect")


@pytest.mark.parametrize("case", list(REFUSED))
def test_settings_refuse_with_the_field_name_and_what_it_accepts(case):
    changes, name = REFUSED[case]
    with pytest.raises((ValueError, TypeError), match=rf"^{name}\b.*(must|is|are|takes|has)") as caught:
        primify.Settings(**changes)
    assert "\n" not in str(caught.value)


NOT_CUDA = "cuda:99" if torch.cuda.is_available() else "cuda"
DOT = primify.Shape("circle", (0.5, 0.3, 0.1), (1.0, 0.0, 0.0))
ARGUMENTS = {
    "generator 42": (dict(generator=42), TypeError, "^generator must"),
    "progress text": (dict(progress="x"), TypeError, "^progress must"),
    "stop a number": (dict(stop=3), TypeError, "^stop must"),
    "init a path": (dict(init="x.json"), TypeError, "^init must"),
    "init with more shapes": (
        dict(init=primify.Scene(32, 24, (0, 0, 0), [DOT] * 9)),
        ValueError,
        "^init already has 9 shapes",
    ),
    "device with no such GPU": (dict(device=NOT_CUDA), ValueError, "^device 'cuda.*' was asked for"),
    "device gpu": (dict(device="gpu"), ValueError, "^device must"),
    "device meta": (dict(device=torch.device("meta")), ValueError, "^device 'meta' was asked for"),
    "device a number": (dict(device=3), TypeError, "^device must"),
}


@pytest.mark.parametrize("case", list(ARGUMENTS))
def test_convert_checks_its_other_arguments_before_any_work(case, tmp_path):
    given, error, message = ARGUMENTS[case]
    # The picture is never read: a missing file would be an OSError.
    with pytest.raises(error, match=message) as caught:
        primify.convert(tmp_path / "missing.png", tiny(), **given)
    assert "\n" not in str(caught.value)


def test_convert_takes_a_dict_of_settings_and_device_auto(picture):
    scene = primify.convert(picture, dict(TINY), device="auto", generator=torch.Generator().manual_seed(0))
    assert scene == run(picture)


def test_convert_refuses_a_settings_of_another_type(picture):
    with pytest.raises(TypeError, match="settings"):
        primify.convert(picture, ["shapes", 5])


def test_the_command_line_takes_short_hex_and_css_colours(photo, tmp_path):
    result = CliRunner().invoke(
        cli.app,
        [
            "convert",
            str(photo),
            "-n",
            "4",
            "--size",
            "16",
            "-q",
            "--background",
            "#fff",
            "--palette",
            "navy,#f00,gold",
            "-o",
            str(tmp_path / "a.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    scene = primify.load_scene(tmp_path / "a.json")
    assert scene.background == (1.0, 1.0, 1.0)
    listed = {(0, 0, 128), (255, 0, 0), (255, 215, 0)}
    assert {tuple(round(v * 255) for v in s.colour) for s in scene.shapes} <= listed


def test_a_polygon_variant_resolves_without_registering_anything():
    # In a fresh interpreter, so that nothing another test did can help.
    code = (
        "import primify, primify.shapes as s; k = s.resolve_kind('polygon:6'); "
        "assert len(k.params) == 9, k.params; assert 'polygon:6' not in primify.KINDS; "
        "shape = primify.Shape('polygon:6', (0.5, 0.5, 0.0) + (0.2,) * 6, (0.0, 0.0, 0.0)); "
        "sc = primify.Scene(10, 10, (1.0, 1.0, 1.0), [shape]); "
        "sc.render(); print('ok')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    assert done.stdout.strip() == "ok", done.stderr


# 7. Files: save, load and render by path; notebooks' displays.


@pytest.mark.parametrize("ext", ["svg", "png", "json", "jpg"])
def test_scene_save_writes_the_format_of_the_extension_and_load_scene_reads_json(picture, tmp_path, ext):
    scene = run(picture)
    path = tmp_path / f"x.{ext}"
    scene.save(path)
    if ext == "svg":
        assert path.read_text() == primify.to_svg(scene)
    elif ext == "json":
        assert primify.load_scene(path) == scene and primify.load_scene(str(path)) == scene
        # Its bytes and file objects too, as convert takes a picture's; they were "expected str,
        # bytes or os.PathLike", and JSON text "[Errno 36] File name too long: '{...'".
        with open(path, "rb") as binary, open(path) as text:
            assert primify.load_scene(path.read_bytes()) == primify.load_scene(binary) == scene
            assert primify.load_scene(text) == scene
        # A byte-order mark, as some editors write, was "not valid JSON (Unexpected UTF-8 BOM)".
        assert primify.load_scene(b"\xef\xbb\xbf" + path.read_bytes()) == scene
        with pytest.raises(ValueError, match=r"^load_scene reads a path, .*JSON text: pass text.encode\(\)"):
            primify.load_scene(path.read_text())
        with pytest.raises(ValueError, match=r"^load_scene reads a path, .*JSON text: pass text.encode\(\)"):
            primify.load_scene("[" * 100000)  # any JSON: not a scene, but not a file name either
        with pytest.raises(ValueError, match=r"^not UTF-8 text, which a primify scene \(a JSON file\) is$"):
            primify.load_scene(path.read_text().encode("utf-16"))
        with pytest.raises(TypeError, match="^load_scene takes a path, a file's bytes or a file object, not int$"):
            primify.load_scene(3)
    else:
        with Image.open(path) as im:
            assert im.format == {"png": "PNG", "jpg": "JPEG"}[ext] and im.size == (32, 24)


def test_scene_save_takes_a_size_and_refuses_an_unknown_extension(picture, tmp_path):
    scene = run(picture)
    scene.save(tmp_path / "big.png", size=96)
    assert Image.open(tmp_path / "big.png").size == (96, 72)
    with pytest.raises(ValueError, match=r"\.bmp"):
        scene.save(tmp_path / "x.bmp")
    # A name with no extension was "unknown extension ''".
    with pytest.raises(ValueError, match=r"out': no extension to pick its format \(use \.gif, "):
        scene.save(tmp_path / "out")
    assert not list(tmp_path.glob("out*"))


def test_a_render_past_max_pixels_is_refused_before_drawing(tmp_path):
    # A size mistyped by a few zeros drew for ten minutes, to 9.5 GB, where the command line
    # refuses it (--max-pixels).
    scene = primify.Scene(4, 3, (0.5, 0.5, 0.5))
    said = r"^a render of 1000000×750000 is 750,000,000,000 pixels, over max_pixels \(178,956,970\)"
    for draw in (scene.render, scene.render_tensor, lambda size: scene.save(tmp_path / "x.png", size)):
        with pytest.raises(ValueError, match=said):
            draw(10**6)
    assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match="over max_pixels \\(100\\)"):
        scene.save(tmp_path / "x.gif", 12, max_pixels=100)
    scene.save(tmp_path / "x.svg", 10**6)  # a number in its header, not pixels
    assert scene.render(12, max_pixels=12 * 9).size == (12, 9)


def test_notebooks_show_scenes_as_svg_and_png(picture):
    scene = run(picture)
    assert scene._repr_svg_() == primify.to_svg(scene)
    png = scene._repr_png_()
    assert png.startswith(b"\x89PNG")


# 8. Types and documentation.


def test_py_typed_is_shipped_and_declared_as_package_data():
    assert (resources.files("primify") / "py.typed").is_file()
    assert "py.typed" in (ROOT / "pyproject.toml").read_text()


def test_convert_has_explicit_typed_keywords_and_no_catch_all():
    import inspect

    params = inspect.signature(primify.convert).parameters
    assert not any(p.kind is p.VAR_KEYWORD for p in params.values())
    for name in ("shapes", "kinds", "alpha", "background", "palette", "size", "target_psnr", "edge"):
        assert params[name].kind is params[name].KEYWORD_ONLY and params[name].annotation is not inspect.Parameter.empty
    with pytest.raises(TypeError, match="shapez"):
        primify.convert(Image.new("RGB", (8, 8)), shapez=5)


def test_help_shows_every_settings_field_and_progress_field():
    text = pydoc.render_doc(primify.Settings, renderer=pydoc.plaintext)
    for f in primify.Settings.__dataclass_fields__:
        assert re.search(rf"^[ |]*{f} = .*\n[ |]*[A-Z.]", text, re.M), f
    assert "Number of shapes to place" in text and "Adam steps per batch" in text
    for f in ("placed", "total", "psnr", "seconds"):
        assert re.search(rf"^\s*{f}: \w", primify.Progress.__doc__, re.M), f


def test_convert_takes_every_settings_field_as_a_keyword():
    import inspect

    params = inspect.signature(primify.convert).parameters
    assert set(primify.Settings.__dataclass_fields__) <= {n for n, p in params.items() if p.kind is p.KEYWORD_ONLY}


def test_the_readme_scenefile_names_are_reachable_after_import_primify():
    assert callable(primify.load_scene) and callable(primify.Scene.save)


# 9. Scenes are checked when made.


@pytest.mark.parametrize("size", [0, -5, 2.5])
def test_render_refuses_a_size_below_one_pixel(picture, size):
    with pytest.raises(ValueError, match="size"):
        run(picture).render(size)


def test_to_svg_refuses_a_negative_precision_and_what_is_no_scene(picture):
    with pytest.raises(ValueError, match="precision must"):
        primify.to_svg(run(picture), precision=-1)
    # It was "AttributeError: 'str' object has no attribute 'width'".
    with pytest.raises(TypeError, match="^to_svg takes a primify.Scene, not str$"):
        primify.to_svg("x.json")


BLACK = (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    "shape",
    [
        ("triangle", (0.1,) * 5, BLACK, 1.0),
        ("hexagon", (0.1,) * 6, BLACK, 1.0),
        ("triangle", (0.1,) * 6, (0.0, 2.0, 0.0), 1.0),
        ("triangle", (0.1,) * 6, BLACK, 0.0),
        ("triangle", (float("nan"),) * 6, BLACK, 1.0),
    ],
    ids=["5 params for a triangle", "unknown kind", "colour over 1", "alpha 0", "nan"],
)
def test_shapes_are_checked_when_made(shape):
    with pytest.raises(ValueError):
        primify.Shape(*shape)


@pytest.mark.parametrize("size", [(0, 10), (10, -1)])
def test_scenes_are_checked_when_made(size):
    with pytest.raises(ValueError, match="width|height"):
        primify.Scene(*size, (0.0, 0.0, 0.0), [])


def test_a_scene_whose_source_is_not_of_its_canvas_proportions_is_refused_when_made(tmp_path):
    # It was made, and drawn, and refused only by save, which writes what load_scene reads.
    said = r"^a scene's source is 100×10, not of its canvas's proportions \(10×10\)$"
    with pytest.raises(ValueError, match=said):
        primify.Scene(10, 10, None, [], source=(100, 10))
    # A scene resized in place passes through other proportions, and may.
    scene = primify.Scene(10, 10, None, [], source=(100, 100))
    scene.width = 20
    scene.height = 20
    scene.save(tmp_path / "s.json")
    assert primify.load_scene(tmp_path / "s.json") == scene
    # Left of other proportions, its renders of a given size were stretched to the old source's.
    scene.width = 40
    assert scene.render().size == (40, 20)
    resized = r"^a scene's source is 100×100, not of its canvas's proportions \(40×20\): a scene resized in place"
    for draw in (lambda: scene.render(80), lambda: scene.save(tmp_path / "s.png", 80)):
        with pytest.raises(ValueError, match=resized):
            draw()
    scene.source = None
    assert scene.render(80).size == (80, 40) and not (tmp_path / "s.png").exists()


# torch's global defaults are the caller's: they change neither where primify computes nor what.


@pytest.mark.parametrize("kinds", ["triangle", "all"])
def test_a_default_device_set_by_the_caller_is_not_used(picture, kinds):
    fit = lambda: primify.convert(picture, tiny(kinds=kinds), generator=torch.Generator().manual_seed(0))
    scene = fit()
    torch.set_default_device("meta")  # exists without a GPU, and holds no data to compute with
    try:
        again, blurred, tensor = fit(), scene.render(40, blur=1), scene.render_tensor()
    finally:
        torch.set_default_device(None)
    assert again == scene
    assert np.array_equal(np.asarray(blurred), np.asarray(scene.render(40, blur=1)))
    assert torch.equal(tensor, scene.render_tensor())


@pytest.mark.parametrize("kinds", ["triangle", "all"])
def test_a_default_dtype_set_by_the_caller_draws_the_same_shapes(picture, kinds):
    scene = primify.convert(picture, tiny(kinds=kinds), generator=torch.Generator().manual_seed(0))
    torch.set_default_dtype(torch.float64)
    try:
        again = primify.convert(picture, tiny(kinds=kinds), generator=torch.Generator().manual_seed(0))
    finally:
        torch.set_default_dtype(torch.float32)
    assert again == scene


# What holds today and must keep holding.


def test_torch_state_is_untouched_by_a_call(picture):
    torch.manual_seed(123)
    before = (torch.get_num_threads(), torch.get_default_dtype(), torch.is_grad_enabled(), torch.get_rng_state())
    run(picture)
    after = (torch.get_num_threads(), torch.get_default_dtype(), torch.is_grad_enabled(), torch.get_rng_state())
    assert before[:3] == after[:3] and torch.equal(before[3], after[3])


def test_three_threads_converting_at_once_agree(picture):
    scenes = [None] * 3

    def one(i):
        scenes[i] = run(picture)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert scenes[0] == scenes[1] == scenes[2] == run(picture)


def test_the_same_seed_gives_the_same_scene_in_another_process_with_one_thread(picture, tmp_path):
    picture.save(tmp_path / "p.png")
    code = (
        "import sys, torch, primify; torch.set_num_threads(1); "
        f"s = primify.convert(sys.argv[1], {TINY!r}, generator=torch.Generator().manual_seed(0)); s.save(sys.argv[2])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "p.png"), str(tmp_path / "s.json")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert primify.load_scene(tmp_path / "s.json") == run(picture)


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads resident memory from /proc")
def test_memory_stays_flat_over_thirty_conversions(picture):
    def resident() -> int:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    for _ in range(5):
        run(picture)
    before = resident()
    for _ in range(25):
        run(picture)
    assert resident() - before < 20 * 2**20


def test_scenes_round_trip_through_pickle_and_json(picture, tmp_path):
    scene = run(picture)
    assert pickle.loads(pickle.dumps(scene)) == scene
    scene.save(tmp_path / "s.json")
    assert primify.load_scene(tmp_path / "s.json") == scene
    assert pickle.loads(pickle.dumps(tiny())) == tiny()


# The README's Python section runs as written.


def test_the_readme_python_section_runs(tmp_path, picture, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Python library", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks
    picture.save(tmp_path / "photo.jpg")
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
    assert json.loads((tmp_path / "photo.json").read_text())["format"] == "primify-scene"


@pytest.mark.parametrize("frozen_first", [False, True])
def test_import_leaves_the_collector_on_and_a_programs_frozen_objects_frozen(frozen_first):
    # primify holds the collector off while torch is imported (when a name is first used); a
    # library must hand it back as it was, and must not thaw what a program (a pre-forking
    # server, say) froze on purpose.
    code = (
        "import gc\n"
        f"if {frozen_first}: gc.freeze()\n"
        "before = gc.get_freeze_count()\n"
        "import primify\n"
        "primify.convert  # the first name used imports torch\n"
        # A few frozen objects are freed while importing; a thaw would leave none.
        "print(gc.isenabled(), gc.get_freeze_count() >= 0.9 * before, gc.get_freeze_count() > 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True", str(frozen_first)]
