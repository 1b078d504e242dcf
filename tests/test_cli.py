"""The command line, run as users run it."""

import re
from pathlib import Path

import pytest
import typer.main
from PIL import Image
from typer.testing import CliRunner

import primify.api
from primify import cli

runner = CliRunner()
FAST = ["--size", "32", "-n", "6", "-q"]


def run(*args):
    return runner.invoke(cli.app, ["convert", *map(str, args)])


def test_default_outputs_are_png_and_svg_beside_in_out_dir(photo, tmp_path):
    result = run(photo, *FAST, "--out-dir", tmp_path / "out")
    assert result.exit_code == 0, result.output
    png, svg = tmp_path / "out" / "photo.primify.png", tmp_path / "out" / "photo.primify.svg"
    assert Image.open(png).size == (48, 36)
    assert svg.read_text().startswith("<svg")
    assert result.stdout == ""


def test_output_options_pick_format_by_extension_and_size(photo, tmp_path):
    result = run(
        photo,
        *FAST,
        "-o",
        tmp_path / "a.jpg",
        "-o",
        tmp_path / "b.svg",
        "-o",
        tmp_path / "c.png",
        "--output-size",
        "96",
    )
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "a.jpg").format == "JPEG"
    assert Image.open(tmp_path / "c.png").size == (96, 72)
    assert (tmp_path / "b.svg").read_text().startswith("<svg")
    assert not list(tmp_path.glob(".*.tmp"))


def test_summary_line_names_shapes_quality_time_device_and_files(photo, tmp_path):
    result = run(photo, "--size", "32", "-n", "6", "-o", tmp_path / "x.png")
    assert result.exit_code == 0, result.output
    line = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(
        rf"{re.escape(str(photo))}: 6 triangle shapes, \d+\.\d\d dB, \d+\.\d s on cpu -> "
        rf"{re.escape(str(tmp_path / 'x.png'))}",
        line,
    )


def test_missing_file_is_one_clear_line_and_exit_1(tmp_path):
    result = run(tmp_path / "nope.jpg", *FAST)
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot read '{tmp_path / 'nope.jpg'}': no such file\n"


def test_a_bad_input_does_not_stop_the_others(photo, tmp_path):
    result = run(tmp_path / "nope.jpg", photo, *FAST, "--out-dir", tmp_path)
    assert result.exit_code == 1
    assert (tmp_path / "photo.primify.png").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["-n", "0"], "Invalid value for '--shapes'"),
        (["-n", "abc"], "Invalid value for '--shapes'"),
        (["-s", "hexagon"], "known kinds: triangle, circle, rect"),
        (["--background", "bluish"], "is not a colour"),
        (["--alpha", "0"], "is not in (0, 1]"),
        (["--size", "0"], "Invalid value for '--size'"),
        (["-o", "x.bmp"], "unknown extension '.bmp'"),
        (["-o", "shapes/"], "'shapes' has no extension to pick its format; --out-dir names a folder"),
        (["-o", "shapes/", "--format", "svg"], "'shapes' has no extension"),
    ],
)
def test_bad_options_are_usage_errors_with_exit_2(photo, args, message):
    result = run(photo, *args)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.replace("│", " ").split())
    assert "Traceback" not in result.output


def test_refuses_to_overwrite_an_input(photo):
    result = run(photo, *FAST, "-o", photo)
    assert result.exit_code == 2
    assert "it is the input" in " ".join(result.stderr.replace("│", " ").split())


def test_choices_take_any_case_and_jpeg_and_name_the_choices_when_wrong(photo, tmp_path):
    # -o takes .jpeg and .JPG, so --format takes jpeg and JPG too: both are the one jpg format.
    result = run(photo, *FAST, "--format", "JPEG", "--format", "Svg", "--effort", "FAST", "--out-dir", tmp_path / "o")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["photo.primify.jpg", "photo.primify.svg"]
    # A comma list is the same as the option repeated, as --shape's kinds are.
    listed = run(photo, *FAST, "--format", "json, JPEG", "--format", "svg,jpg", "--out-dir", tmp_path / "l")
    assert listed.exit_code == 0, listed.output
    assert sorted(p.name for p in (tmp_path / "l").iterdir()) == [
        "photo.primify.jpg",
        "photo.primify.json",
        "photo.primify.svg",
    ]
    assert "'gif2' is not one of" in " ".join(run(photo, "--format", "svg,gif2").stderr.replace("│", " ").split())
    # Two spellings of one format are one format, to standard output too.
    piped = run(photo, *FAST, "-o", "-", "--format", "jpeg", "--format", "JPG")
    assert piped.exit_code == 0, piped.output
    assert piped.stdout_bytes[:3] == b"\xff\xd8\xff"
    # -o - twice is standard output once; two formats there are refused by render as by convert.
    twice = run(photo, *FAST, "-o", "-", "-o", "-", "--format", "json")
    assert twice.exit_code == 0, twice.output
    (tmp_path / "s.json").write_bytes(twice.stdout_bytes)
    both = runner.invoke(cli.app, ["render", str(tmp_path / "s.json"), "-o", "-", "--format", "png", "--format", "svg"])
    assert both.exit_code == 2 and "say which one format" in " ".join(both.stderr.replace("│", " ").split())
    # Standard input is named as convert names it (render's line said "-").
    svg = tmp_path / "s.svg"
    piped_in = runner.invoke(cli.app, ["render", "-", "-o", str(svg)], input=twice.stdout_bytes)
    assert piped_in.exit_code == 0 and piped_in.stderr.startswith("<stdin>: ") and svg.exists()
    wrong = run(photo, *FAST, "--effort", "slow", "--out-dir", tmp_path / "no")
    assert wrong.exit_code == 2
    said = " ".join(wrong.stderr.replace("│", " ").split())
    assert "Invalid value for '--effort': 'slow' is not one of fast, default, best" in said
    assert not (tmp_path / "no").exists()


def test_a_format_or_an_output_given_twice_is_written_once(photo, tmp_path):
    twice = run(photo, *FAST, "--format", "png", "--format", "png", "--out-dir", tmp_path / "dd")
    assert twice.exit_code == 0, twice.output
    assert [p.name for p in (tmp_path / "dd").iterdir()] == ["photo.primify.png"]
    (tmp_path / "sub").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "sub")
    same = [tmp_path / "a.png", tmp_path / "sub" / ".." / "a.png", tmp_path / "link" / ".." / "a.png"]
    result = run(photo, *FAST, *[arg for path in same for arg in ("-o", path)])
    assert result.exit_code == 0, result.output
    scene = tmp_path / "a.json"
    assert run(photo, *FAST, "-o", scene).exit_code == 0
    again = runner.invoke(
        cli.app, ["render", str(scene), "-o", str(tmp_path / "r.png"), "-o", str(tmp_path / "sub/../r.png")]
    )
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["a.png", "r.png"]


def test_one_file_named_as_outputs_in_two_formats_is_refused_before_any_work(photo, tmp_path):
    (tmp_path / "x.svg").symlink_to(tmp_path / "x.png")
    result = run(photo, *FAST, "-o", tmp_path / "x.png", "-o", tmp_path / "x.svg")
    assert result.exit_code == 2
    assert "is the same file as another output" in " ".join(result.stderr.replace("│", " ").split())
    assert not (tmp_path / "x.png").exists()


def test_cli_passes_options_to_the_library(photo, tmp_path, monkeypatch):
    seen = {}
    real = primify.api.convert

    def spy(image, settings, **kw):
        seen["settings"], seen["device"], seen["progress"] = settings, kw["device"], kw["progress"]
        seen["fork"] = kw["fork"]
        return real(image, settings, **kw)

    monkeypatch.setattr(primify.api, "convert", spy)
    result = run(
        photo,
        "-n",
        "5",
        # Repeats add kinds, in any case (the last one had won without a word, and Circle was refused).
        "-s",
        "circle",
        "-s",
        "RECT",
        "--size",
        "24",
        "--alpha",
        "0.5",
        "--background",
        "#ff0000",
        "--edge",
        "tanh",
        "--device",
        "cpu",
        "--effort",
        "fast",
        "-q",
        "--out-dir",
        tmp_path,
    )
    assert result.exit_code == 0, result.output
    # Quiet: nothing is shown, so the fit is asked for no progress (and paints nothing to report).
    assert seen["progress"] is None
    s = seen["settings"]
    assert (s.shapes, s.kinds, s.size, s.alpha, s.background, s.edge) == (
        5,
        ("circle", "rect"),
        24,
        0.5,
        (1.0, 0.0, 0.0),
        "tanh",
    )
    assert s.effort == "fast"
    assert run(photo, "--effort", "slow").exit_code == 2
    assert seen["device"].type == "cpu"
    # Few shapes' second search goes beside the first, in a process of its own.
    assert seen["fork"] is True


def test_readme_documents_every_convert_option_and_no_others():
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("<!-- convert-options -->")[1].split("<!-- /convert-options -->")[0]
    documented = set(re.findall(r"`(--[a-z-]+)", section))
    command = next(c for c in cli.app.registered_commands if c.callback.__name__ == "convert")
    params = typer.main.get_command_from_info(command, pretty_exceptions_short=True, rich_markup_mode="rich").params
    actual = {o for p in params for o in p.opts if o.startswith("--")} - {"--help"}
    assert documented == actual


def test_ci_runs_the_readme_test_command():
    root = Path(__file__).parents[1]
    readme = (root / "README.md").read_text()
    command = readme.split("Run the tests:\n\n```\n")[1].split("\n```")[0]
    assert command in (root / ".ci" / "run").read_text()


def test_shape_field_of_names_holds_each_kind_once_in_lower_case(photo, tmp_path):
    # {shape} was the option's text as typed: "circle+rect+circle", " Circle ".
    name = ["--name", "{stem}-{shape}.{ext}", "--format", "svg", "--out-dir", tmp_path / "o"]
    assert run(photo, *FAST, "-s", " Circle,rect", "-s", "circle", *name).exit_code == 0
    assert run(photo, *FAST, "-s", "ALL", *name).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["photo-all.svg", "photo-circle+rect.svg"]
