"""Folders, links and names a real photo collection holds: each odd one is that input's error
line (or follows a documented rule), and the rest of the batch is converted."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from primify import cli

TINY = ["-n", "2", "--size", "16", "--format", "json", "--json"]


def run(*args):
    return CliRunner().invoke(cli.app, ["convert", *map(str, args)])


def records(stdout: str) -> dict[str, dict]:
    return {r["input"]: r for r in map(json.loads, stdout.splitlines())}


def run_unprivileged(cwd: Path, *args) -> subprocess.CompletedProcess:
    """``primify convert`` unable to read what its owner cannot: as root, without the capabilities
    that let root read every file and folder."""
    drop = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("root reads every folder, and setpriv, which can take that away, is not installed")
        caps = "-dac_override,-dac_read_search"
        drop = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"]
    return subprocess.run(
        [*drop, sys.executable, "-m", "primify", "convert", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def make_tree(root: Path, picture, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        picture.save(root / name)


def test_an_unreadable_folder_is_an_error_line_and_the_next_input_is_converted(tmp_path, picture):
    make_tree(tmp_path, picture, "locked/a.png", "b.png")
    (tmp_path / "locked").chmod(0)
    done = run_unprivileged(tmp_path, "locked", "b.png", *TINY, "--out-dir", "out")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    found = records(done.stdout)
    assert found["locked"]["status"] == "error"
    assert found["locked"]["error"] == "cannot read 'locked': permission denied"
    assert found["b.png"]["status"] == "ok"
    # In a batch the error line has its place among the others, and the last line counts the failures.
    lines = done.stderr.splitlines()
    assert lines[0] == "[1/2] error: cannot read 'locked': permission denied"
    assert lines[1].startswith("[2/2] b.png: 2 triangle shapes")
    assert lines[2:] == ["error: 1 of 2 inputs failed; each has its line above"]


def test_a_pattern_enters_no_folder_that_cannot_hold_a_match(tmp_path, picture):
    # Once a part began with a dot, every hidden folder was walked, and one that could not be
    # listed, where no match could be, failed the run.
    make_tree(tmp_path, picture, "pics/.a.png", "pics/.git/locked/x.png", "pics/sub/.b.png")
    (tmp_path / "pics" / ".git" / "locked").chmod(0)
    done = run_unprivileged(tmp_path, "pics/**/.*.png", *TINY, "--out-dir", "out")
    assert done.returncode == 0, done.stderr
    assert sorted(records(done.stdout)) == ["pics/.a.png", "pics/sub/.b.png"]


def test_with_recursive_hidden_folders_are_not_hidden_pictures(tmp_path, picture):
    # A project whose only pictures are in .cache (or .venv) was said to have pictures with names
    # that begin with a dot.
    make_tree(tmp_path, picture, "proj/.cache/thumb.png")
    result = run(tmp_path / "proj", "-r", *TINY, "--out-dir", tmp_path / "out")
    error = records(result.stdout)[str(tmp_path / "proj")]["error"]
    assert result.exit_code == 1 and error.endswith("it is a folder with no images in it")


def test_recursive_reports_an_unreadable_subfolder(tmp_path, picture):
    make_tree(tmp_path, picture, "photos/a.png", "photos/sub/b.png")
    (tmp_path / "photos" / "sub").chmod(0)
    done = run_unprivileged(tmp_path, "photos", "-r", *TINY, "--out-dir", "out")
    assert done.returncode == 1, done.stderr
    found = records(done.stdout)
    assert found["photos/a.png"]["status"] == "ok"
    assert found["photos/sub"] == {
        **found["photos/sub"],
        "status": "error",
        "error": "cannot read 'photos/sub': permission denied",
    }


def test_recursive_follows_linked_subfolders_as_globs_do_each_real_folder_once(tmp_path, picture):
    make_tree(tmp_path, picture, "photos/a.png", "elsewhere/b.png")
    (tmp_path / "photos" / "linked").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "photos" / "loop").symlink_to(tmp_path / "photos")
    result = run(tmp_path / "photos", "-r", *TINY, "--out-dir", tmp_path / "out")
    assert result.exit_code == 0, result.output
    photos = tmp_path / "photos"
    assert sorted(records(result.stdout)) == [str(photos / "a.png"), str(photos / "linked" / "b.png")]
    assert (tmp_path / "out" / "linked" / "b.primify.json").exists()


def test_a_picture_found_with_a_link_to_it_is_converted_under_its_own_name(tmp_path, picture):
    # The link, found first, was the one input of the two: sub/b.png had no outputs, and no line
    # said why. Nor may the two be two inputs: x.jpeg, a link to x.png, writes x's outputs too.
    make_tree(tmp_path, picture, "photos/sub/b.png", "photos/x.png")
    (tmp_path / "photos" / "a.png").symlink_to("sub/b.png")
    (tmp_path / "photos" / "x.jpeg").symlink_to("x.png")
    photos, out = tmp_path / "photos", tmp_path / "out"
    result = run(photos, "-r", photos / "sub" / ".." / "sub" / "b.png", *TINY, "--out-dir", out)
    assert result.exit_code == 0, result.output
    assert sorted(records(result.stdout)) == [str(photos / "sub" / "b.png"), str(photos / "x.png")]
    assert sorted(p.name for p in out.rglob("*.json")) == ["b.primify.json", "x.primify.json"]


def test_a_folder_of_hidden_pictures_only_says_they_are_left_out(tmp_path, picture):
    # It said "it is a folder with no images in it", of a folder with a picture in it.
    make_tree(tmp_path, picture, "photos/.a.png")
    result = run(tmp_path / "photos", *TINY, "--out-dir", tmp_path / "out")
    said = "its only images have names that begin with a dot, which a folder leaves out; name one to convert it"
    assert result.exit_code == 1 and records(result.stdout)[str(tmp_path / "photos")]["error"].endswith(said)
    assert run(tmp_path / "photos" / ".a.png", *TINY, "--out-dir", tmp_path / "out").exit_code == 0
    # With -r, a picture in a folder whose name begins with a dot is left out too, and said so.
    make_tree(tmp_path, picture, "deep/.cache/b.png", "deep/sub/.c.png")
    result = run(tmp_path / "deep", "-r", *TINY, "--out-dir", tmp_path / "out")
    assert result.exit_code == 1 and records(result.stdout)[str(tmp_path / "deep")]["error"].endswith(said)


def test_a_dangling_link_in_a_folder_is_an_error_line(tmp_path, picture):
    make_tree(tmp_path, picture, "photos/a.png")
    (tmp_path / "photos" / "gone.jpg").symlink_to(tmp_path / "nowhere.jpg")
    result = run(tmp_path / "photos", *TINY, "--out-dir", tmp_path / "out")
    assert result.exit_code == 1
    found = records(result.stdout)
    gone = str(tmp_path / "photos" / "gone.jpg")
    assert found[gone]["error"] == f"cannot read '{gone}': it is a link to a file that does not exist"
    assert found[str(tmp_path / "photos" / "a.png")]["status"] == "ok"


def test_a_name_too_long_to_write_is_that_inputs_error(tmp_path, picture):
    long = tmp_path / ("a" * 250 + ".png")
    make_tree(tmp_path, picture, long.name, "short.png")
    result = run(long, tmp_path / "short.png", *TINY, "--out-dir", tmp_path / "out")
    assert result.exit_code == 1, result.output
    found = records(result.stdout)
    assert found[str(long)]["status"] == "error" and "file name too long" in found[str(long)]["error"]
    assert found[str(tmp_path / "short.png")]["status"] == "ok"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["short.primify.json"]


def test_file_names_with_brackets_are_printed_literally(tmp_path, picture):
    make_tree(tmp_path, picture, "photo [edited].png", "x[/]y.png")
    gone = tmp_path / "[red]gone[/].png"
    result = run(
        tmp_path / "photo [edited].png",
        tmp_path / "x[/]y.png",
        gone,
        "-n",
        "2",
        "--size",
        "16",
        "--format",
        "json",
        "--out-dir",
        tmp_path / "out",
    )
    assert result.exit_code == 1, result.output
    assert f"{tmp_path / 'photo [edited].png'}: 2 triangle shapes" in result.stderr
    assert f"{tmp_path / 'x[/]y.png'}: 2 triangle shapes" in result.stderr
    assert f"error: cannot read '{gone}': no files match this pattern" in result.stderr  # brackets are glob magic
    # 'x[/]y.png' is the file ']y.png' in the folder 'x['.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["]y.primify.json", "photo [edited].primify.json"]


def test_inputs_whose_outputs_clash_are_errors_and_the_rest_are_converted(tmp_path, picture):
    make_tree(tmp_path, picture, "photos/china.jpg", "photos/china.png", "photos/other.png")
    result = run(tmp_path / "photos", *TINY, "--out-dir", tmp_path / "out")
    assert result.exit_code == 1, result.output
    found = {Path(k).name: r for k, r in records(result.stdout).items()}
    assert sorted(found) == ["china.jpg", "china.png", "other.png"]
    assert found["other.png"]["status"] == "ok"
    for name in ("china.jpg", "china.png"):
        assert found[name]["status"] == "error" and "would both write" in found[name]["error"]
        assert "china.primify.json" in found[name]["error"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["other.primify.json"]


def test_a_glob_through_link_loops_follows_each_real_folder_once(tmp_path, picture):
    make_tree(tmp_path, picture, "d/a.png", "d/sub/b.png")
    (tmp_path / "d" / "sub" / "up").symlink_to(tmp_path / "d")
    (tmp_path / "d" / "sub" / "deeper").mkdir()
    (tmp_path / "d" / "sub" / "deeper" / "back").symlink_to(tmp_path / "d")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "primify",
            "convert",
            str(tmp_path / "d" / "**" / "*.png"),
            *TINY,
            "--out-dir",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(records(done.stdout)) == [str(tmp_path / "d" / "a.png"), str(tmp_path / "d" / "sub" / "b.png")]
    assert sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*.json")) == [
        "a.primify.json",
        "sub/b.primify.json",
    ]


def test_a_picture_too_long_for_its_jpeg_is_that_inputs_error_and_the_next_is_converted(tmp_path, picture):
    # 70000 px wide, its JPEG at its own size failed in Pillow after converting ("broken data
    # stream", libjpeg's own line on standard error); the same for a GIF ended the whole batch
    # with a traceback.
    Image.new("RGB", (70000, 2), (10, 200, 10)).save(tmp_path / "long.png")
    make_tree(tmp_path, picture, "next.png")
    out = tmp_path / "out"
    result = run(tmp_path / "long.png", tmp_path / "next.png", "-n", "2", "--size", "16", "--format", "jpg", "--json",
                 "--out-dir", out)  # fmt: skip
    found = records(result.stdout)
    said = "a JPEG is at most 65,500 pixels a side, not 70000×2"
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (
        found[str(tmp_path / "long.png")]["error"] == f"cannot write the outputs of '{tmp_path / 'long.png'}': {said}"
    )
    assert found[str(tmp_path / "next.png")]["status"] == "ok" and os.listdir(out) == ["next.primify.jpg"]
