"""Every mistake a user can type ends in one clear sentence, before any work, and what primify
prints is the user's text as it is; --json lines alone go to standard output."""

import json
import os
import pty
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import tomllib
from PIL import Image
from typer.testing import CliRunner

import primify
from primify import cli

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--size", "24", "-n", "4"]


def run(*args, command="convert"):
    return CliRunner().invoke(cli.app, [command, *map(str, args)], env={"COLUMNS": "200"})


def flat(text: str) -> str:
    """A usage error's text without rich's box drawing and line breaks."""
    return " ".join(text.replace("│", " ").replace("╭", " ").replace("╰", " ").replace("─", " ").split())


def refused(result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert message in flat(result.stderr), result.stderr
    assert "Traceback" not in result.output


def test_json_lines_go_to_stdout_even_when_stderr_is_a_terminal(photo, tmp_path, picture):
    picture.save(tmp_path / "second.png")
    main, tty = pty.openpty()
    shown = []
    reader = threading.Thread(target=lambda: shown.append(_drain(main)), daemon=True)
    reader.start()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "primify",
            "convert",
            str(photo),
            str(tmp_path / "second.png"),
            *FAST,
            "--json",
            "--out-dir",
            str(tmp_path / "out"),
        ],
        stdout=subprocess.PIPE,
        stderr=tty,
        timeout=300,
        env={**os.environ, "COLUMNS": "120"},
    )
    os.close(tty)
    reader.join(10)
    assert done.returncode == 0
    lines = done.stdout.decode().splitlines()
    assert len(lines) == 2 and all(json.loads(line)["status"] == "ok" for line in lines)
    assert b'"status"' not in shown[0]


def _drain(fd: int) -> bytes:
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return out
        if not chunk:
            return out
        out += chunk


def test_a_working_size_that_cannot_fit_is_refused(photo):
    refused(run(photo, "--size", "30000"), "--size")


def test_max_pixels_bounds_the_rasters_as_drawn_in_the_pictures_own_shape_and_never_an_svg(photo, tmp_path):
    """The 48×36 photo's PNG at --output-size 2000 is 2000×1500: 3.5 million pixels allow it,
    though a square page would be 4 million; an SVG's size is only a number, so any is written.
    A raster over the limit, of any kind, is refused before converting, and nothing is written."""
    ok = run(photo, *FAST, "--output-size", "2000", "--max-pixels", "3500000", "--out-dir", tmp_path / "ok")
    assert ok.exit_code == 0, ok.output
    assert Image.open(tmp_path / "ok" / "photo.primify.png").size == (2000, 1500)
    svg = run(photo, *FAST, "--output-size", "100000", "-o", tmp_path / "big.svg")
    assert svg.exit_code == 0, svg.output
    assert 'width="100000" height="75000"' in (tmp_path / "big.svg").read_text()
    rasters = [
        ["--out-dir", tmp_path / "no"],
        ["-o", tmp_path / "no.svg", "--frames", tmp_path / "frames"],
        ["-o", "-", "--format", "gif"],
    ]
    for where in rasters:
        said = run(photo, *FAST, "--output-size", "2000", "--max-pixels", "2999999", *where)
        assert said.exit_code == 1 and not said.stdout_bytes
        assert said.stderr == (
            f"error: cannot convert '{photo}': drawn at 2000×1500, it is 3,000,000 pixels, over --max-pixels "
            "2,999,999; give a smaller --output-size or raise --max-pixels\n"
        )
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.name.startswith(("no", "photo.0"))]
    # Without --output-size a GIF has the working size, here larger than the photo's 1,728 pixels.
    grown = ["--size", "64", "-n", "4", "--max-pixels", "2000"]
    assert run(photo, *grown, "-o", tmp_path / "own.png").exit_code == 0
    said = run(photo, *grown, "-o", tmp_path / "grown.gif")
    assert said.exit_code == 1 and "drawn at 64×48, it is 3,072 pixels" in said.stderr


def test_any_output_size_and_max_pixels_are_taken_exactly_and_read_no_more_memory(photo, tmp_path):
    # A float quotient overflowed past 10**308, and a limit of 10**12 pixels read a 1 KB photo
    # into a buffer of 8 TB, where memory ran out.
    huge = 10**309
    said = run(photo, *FAST, "--output-size", huge, "--max-pixels", 10**12, "-o", tmp_path / "huge.svg")
    assert said.exit_code == 0, said.output
    assert f'width="{huge}" height="{huge * 3 // 4}"' in (tmp_path / "huge.svg").read_text()


@pytest.mark.parametrize(
    "template, formats, message",
    [
        ("{stem}", [], "must end in .{ext}"),
        ("{stem}.{shape}", [], "must end in .{ext}"),
        ("{stem}.png", [], "must end in .{ext}"),
        ("{stem}.svg", ["--format", "png"], "must end in .{ext}"),
    ],
)
def test_name_templates_are_checked_against_the_formats_before_converting(photo, tmp_path, template, formats, message):
    refused(run(photo, *FAST, "--name", template, *formats, "--out-dir", tmp_path / "out"), message)
    assert not (tmp_path / "out").exists()


def test_a_template_naming_its_one_format_is_fine(photo, tmp_path):
    result = run(photo, *FAST, "--name", "{stem}.png", "--format", "png", "--out-dir", tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "photo.png").exists()


@pytest.mark.parametrize("address", ["foo", ""])
def test_a_bad_dask_address_fails_fast_without_a_traceback(photo, address):
    pytest.importorskip("distributed")
    done = subprocess.run(
        [sys.executable, "-m", "primify", "convert", str(photo), *FAST, "--dask", address],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert f"cannot use the Dask scheduler at '{address}'" in flat(done.stderr)


SCENE = {
    "format": "primify-scene",
    "version": 1,
    "width": 32,
    "height": 24,
    "background": [0.5, 0.5, 0.5],
    "shapes": [{"kind": "circle", "params": {"cx": 0.5, "cy": 0.4, "r": 0.2}, "colour": [0.9, 0.1, 0.1], "alpha": 0.8}],
}


def damaged(**change) -> str:
    scene = json.loads(json.dumps(SCENE))
    scene["shapes"][0].update(change.pop("shape", {}))
    scene.update(change)
    return json.dumps(scene)


@pytest.mark.parametrize(
    "text, message",
    [
        (damaged().replace('"width": 32', '"width": 1e400'), "width"),
        (damaged(width=200000, height=200000), "width"),
        (damaged(width=1.5), "width"),
        (damaged(shape={"kind": None}), "shape 0"),
        (damaged(shape={"kind": 5}), "shape 0"),
        (damaged(shape={"params": {"cx": 1e300, "cy": 0.4, "r": 0.2}}), "shape 0"),
        (damaged().replace('"cx": 0.5', '"cx": 1' + "0" * 400), "shape 0: parameters must be numbers from -1000"),
        (damaged().replace('"width": 32', '"width": 1' + "0" * 400), "width"),
        (damaged(shape={"params": [1, 2, 3]}), "shape 0"),
        (damaged(shape={"colour": [1.5, 0, 0]}), "in [0, 1]"),
        (damaged(shape={"kind": "all"}), "shape 0"),
        (damaged(shape={"alpha": "x"}), "shape 0"),
        (damaged(background=[0, 0, -1]), "in [0, 1]"),
        (damaged(shapes={"a": 1}), "shapes"),
        (damaged(shapes=[5]), "shape 0"),
        (damaged(shape={"params": {"cx": 0.5, "cy": 0.4, "r": -0.2}}), "shape 0: a circle's r is a size"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"format": "primify-scene", "version": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        ('{"format": "primify-sc', "not valid JSON (Unterminated string starting at line 1)"),
        # The SVG beside it said only "not valid JSON (Expecting value at line 1)".
        ('\n <svg xmlns="http://www.w3.org/2000/svg"/>', "an SVG or other XML, not a primify scene"),
    ],
)
def test_render_refuses_a_damaged_scene_in_one_line(tmp_path, text, message):
    scene = tmp_path / "scene.json"
    scene.write_text(text)
    result = run(scene, "-o", tmp_path / "out.png", command="render")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: cannot read '{scene}': ") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr
    assert not (tmp_path / "out.png").exists()


def test_render_checks_its_outputs_as_convert_does_and_is_quiet_with_q(tmp_path):
    scene = tmp_path / "scene.json"
    scene.write_text(json.dumps(SCENE))
    (tmp_path / "file").write_text("not a folder")
    refused(run(scene, "-o", tmp_path / "file" / "out.png", command="render"), "cannot write to folder")
    refused(run(scene, "-o", tmp_path / "out.png", "--output-size", "100000", command="render"), "--max-pixels")
    svg = run(scene, "-o", tmp_path / "big.svg", "--output-size", "100000", command="render")
    assert svg.exit_code == 0 and 'width="100000"' in (tmp_path / "big.svg").read_text()
    said = run(scene, "-o", tmp_path / "out.png", command="render")
    assert said.exit_code == 0 and f"-> {tmp_path / 'out.png'}" in said.stderr
    quiet = run(scene, "-o", tmp_path / "again.png", "-q", command="render")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    with Image.open(tmp_path / "again.png") as im:
        assert im.size == (32, 24)


def test_a_flat_picture_stops_when_no_shape_lowers_the_error_and_says_why(tmp_path):
    Image.new("RGB", (32, 24), (90, 120, 200)).save(tmp_path / "flat.png")
    result = run(tmp_path / "flat.png", "--size", "32", "-n", "40", "--json", "--format", "json", "--out-dir", tmp_path)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["shapes"] < 40
    assert "no shape lowers the error" in result.stderr
    assert "  shapes" not in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--seed", "99999999999999999999999"], "Invalid value for '--seed'"),
        (["--target-psnr", "nan"], "--target-psnr: nan is not a number of decibels"),
        # It said "target_psnr must be a number above 0 or None, not inf", naming no option.
        (["--target-psnr", "inf"], "--target-psnr: no picture reaches inf dB; leave it out to place every shape"),
        (["--palette", ""], "'--palette': give a number of colours from 1 to 256, or colours such as"),
        (["-s", "all,triangle"], "'all' stands alone, meaning every kind"),
        (["--blur", "inf"], "'--blur': inf is not a number of pixels"),
        # It said "Input should be greater than or equal to 0".
        (["--blur", "nan"], "'--blur': nan is not a number of pixels, 0 or more"),
        (["--blur", "-1"], "'--blur': -1.0 is not a number of pixels, 0 or more"),
        (["--blur", "25"], "--blur: 25 px is wider than the working size (--size), 24 px; give at most 24"),
    ],
)
def test_options_out_of_their_range_are_refused_in_words_of_the_command_line(photo, tmp_path, args, message):
    refused(run(photo, *FAST, *args, "--out-dir", tmp_path / "out"), message)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("blur, message", [("inf", "inf is not a number of pixels"), ("33", "wider than the scene")])
def test_render_refuses_a_blur_wider_than_the_scene_before_any_work(tmp_path, blur, message):
    scene = tmp_path / "scene.json"
    scene.write_text(json.dumps(SCENE))
    refused(run(scene, "-o", tmp_path / "out.png", "--blur", blur, command="render"), message)
    assert not (tmp_path / "out.png").exists()


def test_a_picture_given_as_a_scene_is_refused_in_one_line(photo, tmp_path):
    said = "not UTF-8 text, which a primify scene (a JSON file) is"
    rendered = run(photo, "-o", tmp_path / "out.png", command="render")
    assert rendered.exit_code == 1 and rendered.stderr == f"error: cannot read '{photo}': {said}\n"
    refused(run(photo, *FAST, "--init", photo, "--out-dir", tmp_path), said)


def test_init_with_a_parameter_too_large_for_a_float_is_refused(photo, tmp_path):
    scene = tmp_path / "big.json"
    scene.write_text(damaged().replace('"cx": 0.5', '"cx": 1' + "0" * 400))
    refused(run(photo, *FAST, "--init", scene, "--out-dir", tmp_path), "parameters must be numbers from -1000 to 1000")


def test_a_target_psnr_every_picture_meets_is_refused(photo):
    refused(run(photo, *FAST, "--target-psnr", "-5"), "--target-psnr")


def test_init_with_more_shapes_than_asked_is_refused(photo, tmp_path):
    assert run(photo, "--size", "24", "-n", "6", "-o", tmp_path / "six.json").exit_code == 0
    refused(run(photo, *FAST, "--init", tmp_path / "six.json", "-o", tmp_path / "x.png"), "6 shapes")


def test_init_refuses_another_background_opacity_or_palette_and_takes_its_own(photo, tmp_path):
    # Another was silently ignored: the scene's own background was kept.
    assert run(photo, *FAST, "--background", "white", "-o", tmp_path / "w.json").exit_code == 0
    more = [photo, "--size", "24", "-n", "6", "--init", tmp_path / "w.json"]
    for other in ("red", "transparent"):
        said = f"'{tmp_path / 'w.json'}' has another background, which --init keeps; leave --background out"
        refused(run(*more, "--background", other, "-o", tmp_path / "x.png"), said)
    # Nor its shapes' opacities and colours, which --alpha and --palette were silently not.
    said = f"'{tmp_path / 'w.json'}' has shapes of other opacities, which --init keeps; leave --alpha out"
    refused(run(*more, "--alpha", "1", "-o", tmp_path / "x.png"), said)
    said = f"'{tmp_path / 'w.json'}' has shapes of colours outside the palette, which --init keeps; leave --palette out"
    refused(run(*more, "--palette", "red,blue", "-o", tmp_path / "x.png"), said)
    assert not (tmp_path / "x.png").exists()
    assert run(*more, "--background", "#FFF", "-o", tmp_path / "y.png").exit_code == 0


def test_render_to_a_name_with_no_extension_says_so(tmp_path):
    # It said "unknown extension ''".
    scene = tmp_path / "scene.json"
    scene.write_text(json.dumps(SCENE))
    said = f"cannot write '{tmp_path / 'out'}': no extension to pick its format (use .gif,"
    refused(run(scene, "-o", f"{tmp_path / 'out'}/", command="render"), said)


@pytest.mark.parametrize(
    "command, args, said",
    [
        ("convert", ["-o", "x.png"], "a frame of a GIF or --frames adds, and neither is written"),
        ("convert", ["--format", "png,svg", "--out-dir", "out"], "a frame of a GIF or --frames adds, and neither"),
        ("render", ["-o", "x.png"], "--every sets the shapes a GIF's frame adds, and no GIF is written"),
    ],
)
def test_every_without_a_gif_or_frames_is_refused(photo, tmp_path, monkeypatch, command, args, said):
    # It was ignored without a word.
    monkeypatch.chdir(tmp_path)
    assert run(photo, *FAST, "-o", "s.json").exit_code == 0
    source = [photo, *FAST] if command == "convert" else ["s.json"]
    refused(run(*source, "--every", "2", *args, command=command), said)
    assert sorted(os.listdir(tmp_path)) == sorted([photo.name, "s.json"])


@pytest.mark.parametrize(
    "command, args, said",
    [
        ("convert", ["--output-size", "64", "-o", "x.json"], "--output-size sizes pictures, and only JSON is written"),
        ("convert", ["--blur", "2", "--format", "json", "--out-dir", "out"], "--blur blurs pictures, and only JSON"),
        ("render", ["--output-size", "64", "-o", "x.json"], "--output-size sizes pictures, and only JSON is written"),
        ("render", ["--blur", "2", "-o", "-", "--format", "json"], "--blur blurs pictures, and only JSON is written"),
    ],
)
def test_a_look_given_where_only_json_is_written_is_refused(photo, tmp_path, monkeypatch, command, args, said):
    # A scene holds neither a size nor a blur: both were ignored without a word.
    monkeypatch.chdir(tmp_path)
    assert run(photo, *FAST, "-o", "s.json").exit_code == 0
    source = [photo, *FAST] if command == "convert" else ["s.json"]
    refused(run(*source, *args, command=command), said)
    assert sorted(os.listdir(tmp_path)) == sorted([photo.name, "s.json"])
    # Beside a picture, or with frames, they shape it.
    assert run(*source, *args[:2], "-o", "y.json", "-o", "y.svg", command=command).exit_code == 0
    if command == "convert":
        assert run(*source, *args[:2], "-o", "z.json", "--frames", "f", command=command).exit_code == 0


@pytest.mark.parametrize(
    "command, args",
    [
        ("convert", ["--precision", "3", "-o", "x.png", "--frames", "f"]),
        ("convert", ["--precision", "2", "--format", "png,json", "--out-dir", "out"]),
        ("render", ["--precision", "0", "-o", "x.gif", "-o", "x.jpg"]),
    ],
)
def test_a_precision_given_where_no_svg_is_written_is_refused(photo, tmp_path, monkeypatch, command, args):
    # It was ignored without a word (2, the default, too: given, it says an SVG is wanted).
    monkeypatch.chdir(tmp_path)
    assert run(photo, *FAST, "-o", "s.json").exit_code == 0
    source = [photo, *FAST] if command == "convert" else ["s.json"]
    refused(run(*source, *args, command=command), "--precision sets an SVG's decimals, and no SVG is written")
    assert sorted(os.listdir(tmp_path)) == sorted([photo.name, "s.json"])
    assert run(*source, *args[:2], "-o", "y.uri", command=command).exit_code == 0


@pytest.mark.parametrize(
    "command, args, said",
    [
        ("convert", ["-o", "x.gif"], "--output-size 70000: a GIF is at most 65,535 pixels a side"),
        ("convert", ["--format", "png,jpg", "--out-dir", "out"], "--output-size 70000: a JPEG is at most 65,500"),
        ("render", ["-o", "-", "--format", "gif"], "--output-size 70000: a GIF is at most 65,535 pixels a side"),
    ],
)
def test_an_output_size_longer_than_a_format_holds_is_refused(photo, tmp_path, monkeypatch, command, args, said):
    # Found only once drawn: a traceback (GIF), or Pillow's "broken data stream" (JPEG).
    monkeypatch.chdir(tmp_path)
    assert run(photo, *FAST, "-o", "s.json").exit_code == 0
    source = [photo, *FAST] if command == "convert" else ["s.json"]
    refused(run(*source, "--output-size", "70000", "--max-pixels", 10**11, *args, command=command), said)
    assert sorted(os.listdir(tmp_path)) == sorted([photo.name, "s.json"])
    with pytest.raises(ValueError, match="^a GIF is at most 65,535 pixels a side, not 70000×52500$"):
        primify.load_scene(tmp_path / "s.json").save(tmp_path / "s.gif", 70000, max_pixels=10**11)
    assert not (tmp_path / "s.gif").exists()


@pytest.mark.parametrize("option", ["--out-dir", "--frames"])
def test_a_folder_option_given_a_dash_is_refused_and_dot_slash_dash_is_a_folder(photo, tmp_path, monkeypatch, option):
    # Everywhere else - is a pipe: a folder named - was made without a word.
    monkeypatch.chdir(tmp_path)
    refused(run(photo, *FAST, option, "-"), f"{option} names a folder, not standard output; write ./- for a folder")
    assert sorted(os.listdir(tmp_path)) == [photo.name]
    assert run(photo, *FAST, option, "./-", *(["-o", "x.png"] if option == "--frames" else [])).exit_code == 0
    assert os.listdir(tmp_path / "-")


def test_version_is_written_in_one_place():
    result = CliRunner().invoke(cli.app, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"primify {primify.__version__}\n"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "primify.version.__version__"
    }


def test_help_texts_show_their_brackets():
    for command in ("convert", "render"):
        result = run("--help", command=command)
        assert result.exit_code == 0
    text = flat(run("--help").stdout)
    assert f"{distribution()}[dask]" in text


def distribution() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]


def test_the_distribution_name_is_ours_and_workers_install_from_this_project():
    # 'primify' on the public index is an unrelated project ("Embed any image into a prime number").
    assert distribution() != "primify"
    readme = (ROOT / "README.md").read_text()
    assert "primify[dask]" not in readme
    assert re.search(r"pip wheel .*-w dist", readme) and f"{distribution().replace('-', '_')}-" in readme


def test_output_and_out_dir_together_are_refused_before_any_work(photo, tmp_path):
    # Before, --out-dir was silently ignored and the file went where -o said.
    refused(
        run(photo, "-o", tmp_path / "x.png", "--out-dir", tmp_path / "elsewhere", *FAST),
        "--output names the file itself; give --output or --out-dir, not both",
    )
    assert [p.name for p in tmp_path.iterdir()] == ["photo.jpg"]


def test_a_folder_below_a_file_is_refused_and_a_new_out_dir_is_made(photo, tmp_path):
    (tmp_path / "afile").write_text("")
    refused(run(photo, "--out-dir", tmp_path / "afile" / "sub", *FAST), "cannot write to folder")
    assert run(photo, "--out-dir", tmp_path / "a" / "b", *FAST, "-q").exit_code == 0
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == ["photo.primify.png", "photo.primify.svg"]


@pytest.mark.parametrize("fmt, refused_there", [("png", True), ("gif", True), ("svg", False)])
def test_a_binary_picture_is_not_written_to_a_terminal(photo, tmp_path, fmt, refused_there):
    # A terminal shown a PNG's bytes is left in a mess, as curl warns; text formats are fine.
    scene = tmp_path / "scene.json"
    assert run(photo, "-o", scene, *FAST, "-q").exit_code == 0
    for command, args in (("convert", [photo, *FAST]), ("render", [scene])):
        main, tty = pty.openpty()
        done = subprocess.run(
            [sys.executable, "-m", "primify", command, *map(str, args), "-o", "-", "--format", fmt, "-q"],
            stdout=tty,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
        )
        os.close(tty)
        shown = _drain(main)
        os.close(main)
        if refused_there:
            assert done.returncode == 2, done.stderr
            assert "standard output is a terminal; send the" in flat(done.stderr)
            assert shown == b""
        else:
            assert done.returncode == 0, done.stderr
            assert b"<svg" in shown


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_a_closed_standard_output_is_one_line_and_exit_1(photo, tmp_path, fmt):
    scene = tmp_path / "scene.json"
    assert run(photo, "-o", scene, *FAST, "-q").exit_code == 0
    done = subprocess.run(
        [sys.executable, "-m", "primify", "render", str(scene), "-o", "-", "--format", fmt],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.close(1),  # as `>&-` starts it
    )
    assert done.returncode == 1
    assert done.stderr == "error: cannot write to standard output: standard output is closed\n"


@pytest.mark.parametrize(
    "args, code, said",
    [
        (["convert", "-", *FAST], 1, "error: cannot read '<stdin>': standard input is closed"),
        (["render", "-"], 1, "error: cannot read '<stdin>': standard input is closed"),
        (["convert", "photo.jpg", "--init", "-", *FAST], 2, "--init: cannot read '<stdin>': standard input"),
    ],
)
def test_a_closed_standard_input_is_one_line(photo, tmp_path, args, code, said):
    # Each gave a traceback: "'NoneType' object has no attribute 'buffer'".
    args = [str(photo) if a == "photo.jpg" else a for a in args]
    done = subprocess.run(
        [sys.executable, "-m", "primify", *args, "-o", str(tmp_path / "x.png")],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.close(0),  # as `<&-` starts it
    )
    assert done.returncode == code and said in flat(done.stderr) and "Traceback" not in done.stderr
    assert sorted(os.listdir(tmp_path)) == [photo.name]


@pytest.mark.parametrize("stdout", ["full", "closed"])
def test_json_lines_that_cannot_be_written_end_the_run_in_one_line(photo, tmp_path, stdout):
    # Both gave a traceback: the lines are the run's record, so the run ends as at a broken pipe.
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "primify", "convert", str(photo), "--json", "--out-dir", str(tmp_path), *FAST],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=(lambda: os.close(1)) if stdout == "closed" else None,
        )
    reason = "no space left on device" if stdout == "full" else "standard output is closed"
    assert done.returncode == 1
    assert done.stderr == f"error: cannot write the --json lines to standard output: {reason}\n"


@pytest.mark.parametrize("stderr", ["full", "reader gone"])
def test_a_standard_error_that_cannot_be_written_fails_no_picture(photo, tmp_path, stderr):
    # A progress line that could not be written failed the picture it reported on ("internal
    # error (OSError: [Errno 28] ...)"), and with -j 2 no --json line came at all. What stderr
    # says is lost; the work and its lines on stdout are not.
    read, write = os.pipe()
    os.close(read)
    with open("/dev/full", "w") if stderr == "full" else os.fdopen(write, "w") as err:
        done = subprocess.run(
            [sys.executable, "-m", "primify", "convert", str(photo), "--json", "--out-dir", str(tmp_path / "o"), *FAST],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    if stderr == "full":
        os.close(write)
    assert done.returncode == 0
    assert json.loads(done.stdout)["status"] == "ok"
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["photo.primify.png", "photo.primify.svg"]


@pytest.mark.parametrize("asked", [["--version"], ["convert", "--help"]])
def test_what_click_prints_to_a_full_standard_output_fails_in_one_line(asked):
    # Both printed a rich traceback of the OSError.
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "primify", *asked], stdout=full, stderr=subprocess.PIPE, text=True)
    assert (done.returncode, done.stderr) == (1, "error: no space left on device\n")


@pytest.mark.parametrize("stderr", ["full", "reader gone"])
def test_a_usage_error_exits_2_whatever_standard_error_is(photo, stderr):
    # Its message could not be written, and the traceback of that (unseen) exited 1.
    read, write = os.pipe()
    os.close(read)
    with open("/dev/full", "w") if stderr == "full" else os.fdopen(write, "w") as err:
        done = subprocess.run([sys.executable, "-m", "primify", "convert", str(photo), "-n", "0"], stderr=err)
    if stderr == "full":
        os.close(write)
    assert done.returncode == 2


def test_options_that_would_be_ignored_or_misread_are_refused_before_any_work(photo, tmp_path):
    scene = tmp_path / "scene.json"
    assert run(photo, "-o", scene, *FAST, "-q").exit_code == 0
    # Each was silently ignored (--name, render's --format) or misread ("unknown extension ''").
    refused(run(photo, "-o", tmp_path / "x.svg", "--name", "{stem}.{ext}", *FAST), "--name is for --out-dir")
    refused(run(photo, "-o", "-", "-o", tmp_path / "x.svg", "--format", "svg", *FAST), "must be the only --output")
    refused(run(scene, "-o", "-", "-o", tmp_path / "x.svg", command="render"), "must be the only --output")
    refused(run(scene, "-o", tmp_path / "x.png", "--format", "svg", command="render"), "extension picks its format")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.jpg", "scene.json"]


def test_a_refused_command_leaves_no_new_folder_behind(photo, tmp_path):
    # The output folders were made by the check that they can be written, before later checks.
    refused(run(photo, *FAST, "--mask", tmp_path / "none.png", "--out-dir", tmp_path / "a"), "cannot read")
    (tmp_path / "bad.json").write_text("{}")
    assert run(tmp_path / "bad.json", "-o", tmp_path / "b" / "x.png", command="render").exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "photo.jpg"]


def test_standard_input_is_named_once_and_a_mask_may_come_from_it(photo, tmp_path):
    # `convert - --init -` read the scene, then found nothing for the picture ("not an image that
    # Pillow can read"); `--mask -` was "cannot read '-': no such file".
    scene = tmp_path / "scene.json"
    scene.write_text(json.dumps(SCENE))
    said = "standard input is read once, and INPUT and --init each name it (-); give all but one a file"
    refused(run("-", *FAST, "--init", "-", "-o", tmp_path / "x.png"), said)
    said = "standard input is read once, and --init and --mask each name it (-); give all but one a file"
    refused(run(photo, *FAST, "--init", "-", "--mask", "-", "-o", tmp_path / "x.png"), said)
    # `convert - -` converted standard input once, as if it had been named once.
    refused(run("-", "-", *FAST, "--out-dir", tmp_path), "standard input (-) is named more than once")
    assert not (tmp_path / "x.png").exists()
    half = Image.new("L", Image.open(photo).size, 0)
    half.paste(255, (0, 0, half.width // 2, half.height))
    half.save(tmp_path / "half.png")
    with open(tmp_path / "half.png", "rb") as f:
        done = subprocess.run(
            [sys.executable, "-m", "primify", "convert", photo, *FAST, "--mask", "-", "-o", "piped.json"],
            stdin=f,
            cwd=tmp_path,
            capture_output=True,
        )
    assert done.returncode == 0, done.stderr
    # The scene of the mask given by its name, not the one of no mask: the mask came through.
    assert run(photo, *FAST, "--mask", tmp_path / "half.png", "-o", tmp_path / "named.json").exit_code == 0
    assert run(photo, *FAST, "-o", tmp_path / "none.json").exit_code == 0
    piped, named, none = ((tmp_path / f"{n}.json").read_text() for n in ("piped", "named", "none"))
    assert piped == named != none


def test_dot_slash_dash_names_the_file_called_dash_not_standard_input_or_output(photo, tmp_path, monkeypatch):
    # `Path("./-")` is `Path("-")`: -o ./- wrote to standard output, and --init ./- read standard input.
    monkeypatch.chdir(tmp_path)
    assert run(photo, *FAST, "-o", "scene.json").exit_code == 0
    os.link("scene.json", "-")
    ended = run(photo, *FAST, "-o", "./-", "--format", "svg")
    refused(ended, f"'{tmp_path / '-'}' has no extension to pick its format")
    assert ended.stdout == ""
    for args in [(photo, *FAST, "--init", "./-", "-o", "more.svg"), ("./-", "-o", "again.svg")]:
        result = run(*args, command="render" if args[0] == "./-" else "convert")
        assert result.exit_code == 0, result.output
    assert Path("more.svg").exists() and Path("again.svg").exists()
