"""Batches and pipelines, run as users run them: folders, globs, names, pipes, jobs, Dask, JSON."""

import json
import os
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from primify import cli
from primify.batch.inputs import Source, expand
from primify.batch.names import DEFAULT_NAME, outputs_for, own_outputs

FAST = ["--size", "24", "-n", "4"]


def run(*args):
    return CliRunner().invoke(cli.app, ["convert", *map(str, args)])


@pytest.fixture
def folder(tmp_path, picture) -> Path:
    """photos/ with a.png, b.jpg, sub/c.png, a bad file and a non-image file."""
    root = tmp_path / "photos"
    (root / "sub").mkdir(parents=True)
    picture.save(root / "a.png")
    picture.save(root / "b.jpg")
    picture.save(root / "sub" / "c.png")
    (root / "broken.jpg").write_bytes(b"not a picture at all")
    (root / "notes.txt").write_text("not an image, not an input")
    return root


def lines(stdout: str) -> dict[str, dict]:
    records = [json.loads(line) for line in stdout.splitlines()]
    return {Path(r["input"]).name: r for r in records}


def test_folder_with_good_and_bad_images_in_two_jobs(folder, tmp_path):
    out = tmp_path / "out"
    result = run(folder, "-r", "--json", "-j", "2", *FAST, "--out-dir", out)
    assert result.exit_code == 1
    records = lines(result.stdout)
    assert set(records) == {"a.png", "b.jpg", "c.png", "broken.jpg"}
    assert records["broken.jpg"]["status"] == "error" and "broken.jpg" in records["broken.jpg"]["error"]
    for name, sub in (("a", ""), ("b", ""), ("c", "sub")):
        r = records[Path(f"{name}.x").with_suffix(".jpg" if name == "b" else ".png").name]
        assert r["status"] == "ok" and r["shapes"] == 4 and r["kinds"] == {"triangle": 4} and r["device"] == "cpu"
        assert r["psnr"] > 10 and r["error"] is None
        assert r["outputs"] == [str(out / sub / f"{name}.primify.png"), str(out / sub / f"{name}.primify.svg")]
        assert all(Path(p).stat().st_size > 0 for p in r["outputs"])
    assert "error: cannot read" in result.stderr and "broken.jpg" in result.stderr


def test_without_recursive_subfolders_are_left_alone(folder, tmp_path):
    result = run(folder, *FAST, "-q", "--out-dir", tmp_path / "out")
    assert result.exit_code == 1  # broken.jpg
    assert sorted(p.name for p in (tmp_path / "out").rglob("*.png")) == ["a.primify.png", "b.primify.png"]


def test_glob_patterns_are_expanded_keeping_the_layout_below_the_fixed_part(folder, tmp_path):
    found = expand([str(folder / "**" / "*.png")])
    assert [(s.path.name, s.folder) for s in found] == [("a.png", Path(".")), ("c.png", Path("sub"))]
    assert expand([str(folder / "*.webp")])[0].error == "no files match this pattern"


def test_a_pattern_finds_names_that_begin_with_a_dot_where_it_says_so_as_a_shell_does(tmp_path):
    for name in [".a.png", "b.png", ".hid/c.png", "sub/.d.png", "sub/e.png"]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x")

    def found(pattern: str) -> list[str]:
        return [str(s.path.relative_to(tmp_path)) for s in expand([str(tmp_path / pattern)]) if not s.error]

    # '.*' matched nothing: folders and patterns alike left every such name out.
    assert found(".*.png") == [".a.png"] and found("sub/.*") == ["sub/.d.png"]
    assert found(".hid/*.png") == [".hid/c.png"]
    # Without a dot, nothing hidden; and ** crosses no hidden folder, as bash's globstar.
    assert found("*.png") == ["b.png"] and found("**/*.png") == ["b.png", "sub/e.png"]
    assert found("**/.*.png") == [".a.png", "sub/.d.png"]


def test_a_pattern_ending_in_a_slash_names_folders_as_a_shell_does(tmp_path):
    for name in ["top.png", "a/x.png", "b/y.png", "b/deeper/z.png"]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    # Path drops the slash: 'DIR/*/' matched top.png, a file, and neither folder's pictures.
    found = expand([str(tmp_path / "*") + "/"])
    assert [str(s.path.relative_to(tmp_path)) for s in found] == ["a/x.png", "b/y.png"]
    assert expand([str(tmp_path / "c*") + "/"])[0].error == "no folders match this pattern"


def test_inputs_are_deduplicated_and_earlier_outputs_are_not_inputs(folder):
    (folder / "a.primify.png").write_bytes(b"")
    own = own_outputs(DEFAULT_NAME, ["png", "svg"], "triangle", 4)
    found = expand([str(folder), str(folder / "a.png")], own=own)
    assert [s.path.name for s in found] == ["a.png", "b.jpg", "broken.jpg"]


def test_name_template_fields_and_safety(tmp_path):
    src = Source(tmp_path / "cat.jpg", Path("pets"))
    assert outputs_for(src, tmp_path, "{stem}-{shape}{shapes}.{ext}", ["svg"], "triangle,circle", 50) == [
        tmp_path / "pets" / "cat-triangle+circle50.svg"
    ]
    # A colon names a stream on Windows, and shows as / in macOS's Finder.
    assert outputs_for(src, tmp_path, "{stem}-{shape}.{ext}", ["svg"], "polygon:5,circle", 50) == [
        tmp_path / "pets" / "cat-polygon5+circle.svg"
    ]
    with pytest.raises(ValueError, match="outside"):
        outputs_for(Source(tmp_path / "x.jpg", Path("..") / ".."), tmp_path, "{stem}.{ext}", ["png"], "triangle", 1)
    # An output that is a link to a file elsewhere is replaced, not written through: it is inside.
    (tmp_path / "pets").mkdir()
    (tmp_path / "pets" / "cat.svg").symlink_to(tmp_path.parent)
    assert outputs_for(src, tmp_path, "{stem}.{ext}", ["svg"], "triangle", 1) == [tmp_path / "pets" / "cat.svg"]


@pytest.mark.parametrize(
    "template, message",
    [
        ("../{stem}.{ext}", "must stay inside"),
        ("/tmp/{stem}.{ext}", "must stay inside"),
        ("{stem}.{size}.{ext}", "unknown field {size}"),
        ("{stem!r}.{ext}", "fields take no conversion or format"),  # wrote 'photo'.png, quotes and all
        ("{stem:>300}.{ext}", "fields take no conversion or format"),
        (".{ext}", "gives the png file no name before its extension"),  # said it must end in .{ext}
        ("", "the name template is empty; leave it out for the default, {stem}.primify.{ext}"),  # was the default
        (" ", "the name template is empty"),
    ],
)
def test_bad_name_templates_are_usage_errors(photo, template, message):
    result = run(photo, *FAST, "--name", template)
    assert result.exit_code == 2 and message in " ".join(result.stderr.replace("│", " ").split())


def test_existing_outputs_are_refused_skipped_or_overwritten(photo, tmp_path):
    args = [photo, *FAST, "-q", "--out-dir", tmp_path / "o", "--format", "svg"]
    assert run(*args).exit_code == 0
    svg = tmp_path / "o" / "photo.primify.svg"
    svg.write_text("mine")
    refused = run(*args)
    assert refused.exit_code == 1 and "exists; pass --overwrite" in refused.stderr and svg.read_text() == "mine"
    skipped = run(*args, "--skip-existing", "--json")
    assert skipped.exit_code == 0 and svg.read_text() == "mine"
    # The line says why, as the summary does: "skipped" alone also means one of primify's own outputs left out.
    assert json.loads(skipped.stdout)["status"] == "skipped"
    assert json.loads(skipped.stdout)["notes"] == ["skipped, its outputs exist"]
    assert run(*args, "--overwrite").exit_code == 0 and svg.read_text().startswith("<svg")


def test_an_output_subfolder_that_cannot_be_made_fails_only_its_inputs(folder, tmp_path):
    # It was a usage error that stopped the whole batch, and said not why.
    out = tmp_path / "out"
    out.mkdir()
    (out / "sub").write_text("a file where the subfolder would go")
    result = run(folder, "-r", *FAST, "--out-dir", out, "--json")
    assert result.exit_code == 1
    records = lines(result.stdout)
    assert records["c.png"]["error"] == f"cannot write to folder '{out / 'sub'}': '{out / 'sub'}' is a file"
    assert records["a.png"]["status"] == "ok" and (out / "a.primify.svg").exists()


def test_two_inputs_writing_one_file_are_both_errors(folder, tmp_path):
    result = run(
        folder / "a.png", folder / "sub" / "c.png", *FAST, "--name", "same.{ext}", "--out-dir", tmp_path, "--json"
    )
    assert result.exit_code == 1
    assert [r["status"] for r in lines(result.stdout).values()] == ["error", "error"]
    assert result.stderr.count("would both write") == 2


def test_a_folder_converts_into_the_folder_around_it_and_pictures_in_an_output_folder_inside_it(
    folder, picture, monkeypatch
):
    # The current folder, the default --out-dir, holds photos/: every picture below an output
    # folder was left out, all of them here ("a folder with no images in it"). Our own outputs
    # are known by their names and marks; a picture of the user's in the output folder is theirs.
    monkeypatch.chdir(folder.parent)
    around = run("photos", *FAST, "--json")
    assert {name: r["status"] for name, r in lines(around.stdout).items()} == {
        "a.png": "ok",
        "b.jpg": "ok",
        "broken.jpg": "error",
    }
    assert (folder.parent / "a.primify.png").exists()
    (folder / "shapes").mkdir()
    picture.save(folder / "shapes" / "d.png")
    for _ in range(2):  # the second run meets the first one's outputs in photos/shapes
        inside = run("photos", "-r", *FAST, "--out-dir", "photos/shapes", "--skip-existing", "--json")
        assert set(lines(inside.stdout)) == {"a.png", "b.jpg", "c.png", "d.png", "broken.jpg"}
    assert {r["status"] for r in lines(inside.stdout).values()} == {"skipped", "error"}


def test_a_shells_star_in_a_folder_of_earlier_outputs_and_notes_converts_the_pictures(folder, tmp_path, picture):
    # `primify convert *` names every file: the earlier run's outputs (refused as inputs that
    # would be written over, stopping the run) and notes.txt beside notes.jpg (both refused as
    # writing the same files).
    (folder / "notes.txt").write_text("not a picture")
    picture.save(folder / "notes.jpg")
    named = lambda: sorted(str(p) for p in folder.iterdir() if p.is_file())  # noqa: E731
    first = run(*named(), *FAST, "--out-dir", folder, "--json")
    assert lines(first.stdout)["notes.jpg"]["status"] == "ok"
    assert lines(first.stdout)["notes.txt"]["error"] == (
        f"cannot convert '{folder / 'notes.txt'}': '{folder / 'notes.jpg'}', a picture by its name, "
        f"writes '{folder / 'notes.primify.png'}'"
    )
    again = run(*named(), *FAST, "--out-dir", folder, "--skip-existing", "--json")
    statuses = {n: r["status"] for n, r in lines(again.stdout).items()}
    assert statuses.pop("notes.txt") == statuses.pop("broken.jpg") == "error"
    assert statuses == dict.fromkeys(
        ["a.png", "b.jpg", "notes.jpg"]
        + [f"{s}.primify.{e}" for s in "ab" for e in ("png", "svg")]
        + ["notes.primify.png", "notes.primify.svg"],
        "skipped",
    )
    assert f"{folder / 'a.primify.svg'}: left out, as one of primify's own outputs named among others" in again.stderr
    # The --json line says so too: "skipped" alone read as --skip-existing's.
    assert lines(again.stdout)["a.primify.svg"]["notes"][0].startswith("left out, as one of primify's own outputs")
    assert lines(again.stdout)["a.png"]["notes"] == ["skipped, its outputs exist"]
    # A picture of the user's named as ours would name it is left out of a folder only by the
    # name this run gives its outputs, or by the mark that primify's own carry.
    picture.save(tmp_path / "holiday.primify.jpg")
    theirs = run(tmp_path, *FAST, "--name", "{stem}-x.{ext}", "--out-dir", tmp_path / "out", "--json")
    assert lines(theirs.stdout)["holiday.primify.jpg"]["status"] == "ok"


def test_files_named_together_are_the_users_whatever_their_names_and_a_pipe_is_read_once(tmp_path, picture):
    picture.save(tmp_path / "a.png")
    picture.save(tmp_path / "a-4.png")
    before = (tmp_path / "a-4.png").read_bytes()
    # Named as --name names a.png's output, it was left out as ours, then written over.
    said = run(
        tmp_path / "a.png",
        tmp_path / "a-4.png",
        *FAST,
        "--name",
        "{stem}-{shapes}.{ext}",
        "--out-dir",
        tmp_path,
        "--overwrite",
    )
    assert said.exit_code == 2 and "it is the input" in " ".join(said.stderr.replace("│", " ").split())
    assert (tmp_path / "a-4.png").read_bytes() == before
    # A file that is not there claims no outputs: c.png converts beside it.
    picture.save(tmp_path / "c.png")
    said = run(tmp_path / "c.png", tmp_path / "c.gif", *FAST, "--out-dir", tmp_path / "out", "--json")
    assert lines(said.stdout)["c.png"]["status"] == "ok"
    assert lines(said.stdout)["c.gif"]["error"] == f"cannot read '{tmp_path / 'c.gif'}': no such file"
    # A pipe among several is read once, by its conversion: asking it whether it was ours hung.
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    data = (tmp_path / "c.png").read_bytes()
    threading.Thread(target=lambda: fifo.write_bytes(data), daemon=True).start()
    command = [sys.executable, "-m", "primify", "convert", fifo, tmp_path / "c.png", *FAST, "--out-dir", tmp_path / "p"]
    done = subprocess.run(list(map(str, command)), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p" / "pipe.primify.png").exists()


def test_only_primifys_own_mark_leaves_a_named_file_out(tmp_path, picture):
    # Another program's "primify-web" and a comment that begins with the word were taken for it.
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Software", "primify-web 2.0")
    picture.save(tmp_path / "theirs.png", pnginfo=text)
    picture.save(tmp_path / "holiday.jpg", comment=b"primify holiday shot")
    (tmp_path / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><desc>primify logo</desc></svg>')
    said = run(tmp_path / "theirs.png", tmp_path / "holiday.jpg", *FAST, "--out-dir", tmp_path / "out", "--json")
    assert {n: r["status"] for n, r in lines(said.stdout).items()} == {"theirs.png": "ok", "holiday.jpg": "ok"}
    # Named with them, their outputs are left out; named beside a file that is not there, one is
    # named on its own, and converts.
    outputs = sorted((tmp_path / "out").iterdir())
    again = run(*outputs, tmp_path / "logo.svg", *FAST, "--out-dir", tmp_path / "again", "--json")
    assert {n: r["status"] for n, r in lines(again.stdout).items()} == {
        **{p.name: "skipped" for p in outputs},
        "logo.svg": "error",
    }
    alone = run(outputs[0], tmp_path / "missing.png", *FAST, "--out-dir", tmp_path / "alone", "--json")
    assert lines(alone.stdout)[outputs[0].name]["status"] == "ok"


def test_an_empty_file_beside_a_picture_of_the_same_name_takes_none_of_its_outputs(folder, tmp_path):
    # Both would write a.primify.png: the empty one failed, and took the picture down with it.
    (folder / "a.jpg").write_bytes(b"")
    result = run(folder, *FAST, "--out-dir", tmp_path / "out", "--json")
    assert result.exit_code == 1
    records = lines(result.stdout)
    assert records["a.png"]["status"] == "ok" and (tmp_path / "out" / "a.primify.png").exists()
    assert records["a.jpg"]["error"] == f"cannot read '{folder / 'a.jpg'}': it is an empty file"


def test_pipe_in_and_svg_out_leaves_nothing_else_on_stdout(photo):
    with open(photo, "rb") as f:
        done = subprocess.run(
            [sys.executable, "-m", "primify", "convert", "-", "-o", "-", "--format", "svg", *FAST],
            stdin=f,
            capture_output=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr.decode()
    root = ET.fromstring(done.stdout)
    svg = "{http://www.w3.org/2000/svg}"
    assert root.tag == svg + "svg" and root.find(svg + "rect") is not None  # the background
    assert len(root.find(svg + "g")) == 4  # four shapes
    assert done.stdout.startswith(b"<svg") and done.stdout.rstrip().endswith(b"</svg>")
    assert b"<stdin>: 4 triangle shapes" in done.stderr


def test_a_closed_stdout_is_a_failure_said_in_one_line(photo):
    read, write = os.pipe()
    os.close(read)  # the reader has gone before anything is written, as with `| head -c 0`
    try:
        done = subprocess.run(
            [sys.executable, "-m", "primify", "convert", str(photo), "-o", "-", "--format", "png", *FAST],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write)
    assert done.returncode == 1
    assert done.stderr == f"error: cannot write the outputs of '{photo}': broken pipe\n"


def test_a_file_named_dash_is_read_as_a_file_when_its_path_says_so(photo, tmp_path):
    # Only a bare - is standard input; ./- read standard input too, as Path spells it -.
    Image.new("RGB", (6, 3), "red").save(tmp_path / "-", "PNG")
    with open(photo, "rb") as f:
        done = subprocess.run(
            [sys.executable, "-m", "primify", "convert", "./-", "-o", "red.json", *FAST],
            stdin=f,
            capture_output=True,
            cwd=tmp_path,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr.decode()
    scene = json.loads((tmp_path / "red.json").read_text())
    assert (scene["width"], scene["height"]) == (24, 12)


def test_bad_stdin_fails_with_nothing_on_stdout():
    done = subprocess.run(
        [sys.executable, "-m", "primify", "convert", "-", "-o", "-", "--format", "png", *FAST],
        input=b"nope",
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 1 and done.stdout == b""
    assert done.stderr.decode() == "error: cannot read '<stdin>': not an image that Pillow can read\n"


@pytest.mark.parametrize("command", ["convert", "render"])
def test_empty_stdin_says_nothing_came(command, tmp_path):
    # Empty standard input said "not an image that Pillow can read" (render: "not valid JSON
    # (Expecting value at line 1)", naming it '-'), where an empty file said what it was.
    done = subprocess.run(
        [sys.executable, "-m", "primify", command, "-", "-o", "x.png"], input=b"", capture_output=True, cwd=tmp_path
    )
    assert done.returncode == 1 and not (tmp_path / "x.png").exists()
    assert done.stderr.decode() == "error: cannot read '<stdin>': nothing came on standard input\n"
    (tmp_path / "empty.json").write_bytes(b"")
    done = subprocess.run(
        [sys.executable, "-m", "primify", "render", "empty.json", "-o", "y.png"], capture_output=True, cwd=tmp_path
    )
    assert done.returncode == 1 and done.stderr.decode() == "error: cannot read 'empty.json': it is an empty file\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["-o", "-", "--format", "svg", "--json"], "not both"),
        (["-o", "-"], "say which one format"),
        (["--overwrite", "--skip-existing"], "choose one"),
    ],
)
def test_conflicting_options_are_usage_errors(photo, args, message):
    result = run(photo, *FAST, *args)
    assert result.exit_code == 2 and message in " ".join(result.stderr.replace("│", " ").split())


def test_progress_is_plain_lines_when_stderr_is_not_a_terminal(photo, tmp_path):
    result = run(photo, "--size", "24", "-n", "8", "-o", tmp_path / "x.svg")
    assert result.exit_code == 0
    assert f"{photo}: 4/8 shapes" in result.stderr and "\r" not in result.stderr and "\x1b[" not in result.stderr


def test_dask_cluster_converts_and_reports_each_image(folder, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        result = run(folder, "--json", *FAST, "--out-dir", tmp_path / "out", "--dask", cluster.scheduler_address)
    assert result.exit_code == 1
    records = lines(result.stdout)
    assert {n: r["status"] for n, r in records.items()} == {"a.png": "ok", "b.jpg": "ok", "broken.jpg": "error"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "a.primify.png",
        "a.primify.svg",
        "b.primify.png",
        "b.primify.svg",
    ]


def test_names_are_printed_as_they_are_never_as_emoji(picture, tmp_path):
    # rich read `:thumbs_up:` in a file name as an emoji code: x👍.png, of outputs it never wrote.
    picture.save(tmp_path / "x:thumbs_up:.png")
    result = run(tmp_path / "x:thumbs_up:.png", *FAST, "--out-dir", tmp_path / "out")
    assert result.exit_code == 0
    assert f"-> {tmp_path / 'out' / 'x:thumbs_up:.primify.png'}, " in result.stderr and "👍" not in result.stderr


def test_control_characters_in_names_are_shown_as_question_marks(picture, tmp_path):
    # A name's escape sequence reached the terminal as it was, and drove it (here, red text).
    name = "e\x1b[31mred\tx.png"
    picture.save(tmp_path / name, format="PNG")
    result = run(tmp_path / name, *FAST, "--out-dir", tmp_path / "out", "--json")
    assert result.exit_code == 0 and "\x1b" not in result.stderr and "\t" not in result.stderr
    assert "e?[31mred?x.png: 4 triangle shapes" in result.stderr
    # The JSON lines keep the name as it is: they are data, escaped as JSON escapes.
    assert json.loads(result.stdout)["input"] == str(tmp_path / name)


def test_a_name_with_a_newline_keeps_its_line_one_line(picture, tmp_path):
    # "a", then "b.png: 4 triangle shapes ... -> out/a", then "b.primify.png ...": three lines
    # for one picture, to those who read the lines.
    (tmp_path / "in").mkdir()
    picture.save(tmp_path / "in" / "a\nb.png")
    result = run(tmp_path / "in", *FAST, "--out-dir", tmp_path / "out")
    assert result.exit_code == 0 and (tmp_path / "out" / "a\nb.primify.png").exists()
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{tmp_path / 'in' / 'a?b.png'}: 4 triangle shapes") and line.endswith("a?b.primify.svg")


def test_an_error_about_a_name_with_a_newline_is_one_line_in_both_commands(tmp_path):
    # render's "cannot read" error showed the newline: "error: cannot read 'a", then "b.json'...".
    (tmp_path / "a\nb.json").write_text("x")
    for command in ("convert", "render"):
        args = [command, str(tmp_path / "a\nb.json"), "-o", str(tmp_path / "o.svg")]
        result = CliRunner().invoke(cli.app, args + (["-n", "4"] if command == "convert" else []))
        assert result.exit_code == 1
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"error: cannot read '{tmp_path / 'a?b.json'}': ")


def test_format_and_separator_characters_in_names_are_shown_as_question_marks_but_spaces_are_not(picture, tmp_path):
    # A line separator split the line; a right-to-left override reordered it on the screen, and
    # a zero-width space hid in it. macOS names its screenshots with a narrow no-break space.
    (tmp_path / "in").mkdir()
    for name in ("a\u2028b.png", "c\u202ed.png", "e\u200bf.png", "g\u202fh.png"):
        picture.save(tmp_path / "in" / name)
    result = run(tmp_path / "in", *FAST, "--out-dir", tmp_path / "out")
    assert result.exit_code == 0 and len(result.stderr.splitlines()) == 4
    for shown in ("a?b.png", "c?d.png", "e?f.png", "g\u202fh.png"):
        assert f"{tmp_path / 'in' / shown}: 4 triangle shapes" in result.stderr


@pytest.mark.parametrize("refused", ["output is input", "mask not there"])
def test_control_characters_in_names_are_shown_as_question_marks_in_usage_errors(picture, tmp_path, refused):
    # Usage errors quote names too, and typer prints them as they are given.
    name = tmp_path / "e\x1b[31mred.png"
    picture.save(name, format="PNG")
    how = ["-o", name] if refused == "output is input" else ["--mask", tmp_path / "no\x1b[31mpe.png"]
    result = run(name, *FAST, *how)
    assert result.exit_code == 2 and "\x1b" not in result.stderr
    assert "?[31m" in result.stderr


def test_unreachable_dask_scheduler_is_one_clear_error(photo):
    pytest.importorskip("distributed")
    result = run(photo, *FAST, "--dask", "tcp://127.0.0.1:9")
    assert result.exit_code == 2 and "cannot use the Dask scheduler at 'tcp://127.0.0.1:9'" in " ".join(
        result.stderr.replace("│", " ").split()
    )


def test_a_dask_address_where_something_else_answers_is_one_clear_error(photo):
    # An SSH server's banner read as a Dask message asked for exabytes: a 200-line traceback.
    pytest.importorskip("distributed")
    import socket

    server = socket.create_server(("127.0.0.1", 0))

    def banner():
        with server:
            for _ in range(3):
                conn, _ = server.accept()
                with conn:
                    conn.sendall(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n" * 4)

    threading.Thread(target=banner, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    said = " ".join(run(photo, *FAST, "--dask", address).stderr.replace("│", " ").split())
    assert f"cannot use the Dask scheduler at '{address}': what answers there is not a Dask scheduler" in said
    assert "Traceback" not in said


def test_a_dask_address_where_something_takes_the_connection_and_says_nothing_is_one_clear_error(
    photo, tmp_path, monkeypatch
):
    # A web server there: distributed's own timeout did not cover it, and the command hung.
    pytest.importorskip("distributed")
    import socket

    from primify.batch import cluster

    monkeypatch.setattr(cluster, "ANSWER_SECONDS", 2)
    with socket.create_server(("127.0.0.1", 0)) as server:
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        result = run(photo, *FAST, "--dask", address, "--out-dir", tmp_path / "out")
    said = " ".join(result.stderr.replace("│", " ").split())
    assert result.exit_code == 2, said
    assert f"cannot use the Dask scheduler at '{address}': nothing there answered as a Dask scheduler in 2 s" in said
    assert not (tmp_path / "out").exists()


# -j's workers start before the command imports torch, and are counted as its own.


def test_the_command_line_imports_no_torch_before_it_can_start_its_workers():
    # The workers' server is started from ``main`` before torch is imported there, so that the
    # two imports run side by side; importing primify or its command line must not import torch.
    code = "import sys, primify, primify.cli; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


@pytest.mark.parametrize(
    "argv, asks",
    [
        (["convert", "a.jpg", "-j", "2"], True),
        (["convert", "-j4", "a.jpg"], True),
        (["convert", "a.jpg", "--jobs", "3"], True),
        (["convert", "a.jpg", "--jobs=2"], True),
        (["convert", "a.jpg", "-j", "1"], False),
        (["convert", "a.jpg"], False),
        (["convert", "a.jpg", "-j"], False),
        (["render", "a.json", "-j", "2"], False),
    ],
)
def test_the_early_start_reads_what_jobs_the_command_line_asks_for(argv, asks):
    from primify.startup import asks_for_workers

    assert asks_for_workers(argv) == asks


def test_the_workers_time_is_counted_as_the_commands_own(tmp_path, picture):
    # They are forked from a server process, which reaps them; it is ended and waited for when the
    # batch ends, so that `time` and every benchmark see their CPU time as the command's.
    for name in "abcd":
        picture.resize((96, 72)).save(tmp_path / f"{name}.png")

    def cpu_seconds(jobs: str) -> float:
        command = [sys.executable, "-m", "primify", "convert", str(tmp_path), "--size", "96", "-n", "30"]
        # One thread each, as the workers have here: threads waiting on a busy machine burn CPU.
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        process = subprocess.Popen([*command, "-j", jobs, "--out-dir", str(tmp_path / jobs)], env=env)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        assert process.returncode == 0
        return usage.ru_utime + usage.ru_stime

    # CPU time, not wall time, so that a busy machine cannot fail it. -j 1 fits in the command's
    # own process; without the workers -j 2 would count its own start-up only, under half that.
    alone, shared = cpu_seconds("1"), cpu_seconds("2")
    assert shared > 0.7 * alone, (shared, alone)


def test_the_workers_server_skips_the_teardown_and_its_workers_keep_their_exit_status(tmp_path):
    # With torch loaded, the server's teardown took 0.3 s at the end of every -j command. Here an
    # exit handler registered before primify.batch.server stands for the teardown.
    script = f"""
import atexit, os, sys
atexit.register(lambda: open(os.path.join({str(tmp_path)!r}, str(os.getpid())), "w").close())
import primify.batch.server
worker = os.fork()
if worker == 0:
    sys.exit(3)
_, status = os.waitpid(worker, 0)
print(os.getpid(), worker, os.waitstatus_to_exitcode(status), flush=True)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    server, worker, status = done.stdout.split()
    # The server ends at once, with status 0; a process forked from it ends as it would have.
    assert done.returncode == 0 and not (tmp_path / server).exists()
    assert status == "3" and (tmp_path / worker).exists()


def test_while_workers_convert_this_process_renders_on_one_thread_and_then_as_before(picture):
    # The workers have the cores; the command's own renders and waits must not take one from them.
    import io

    import torch

    from primify.batch.runners import run_processes
    from primify.batch.work import Task
    from primify.settings import Settings

    buffer = io.BytesIO()
    picture.resize((32, 24)).save(buffer, "PNG")
    tasks = [Task(i, f"{i}.png", buffer.getvalue(), Settings(shapes=3, size=32)) for i in range(2)]
    seen = []
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        for result in run_processes(tasks, 2):
            seen.append(torch.get_num_threads())
            assert result.scene is not None and len(result.scene.shapes) == 3
        assert seen == [1, 1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize(
    "env, spin",
    [({}, "3000"), ({"GOMP_SPINCOUNT": "50"}, "50"), ({"OMP_WAIT_POLICY": "PASSIVE"}, None)],
)
def test_the_command_line_has_idle_threads_sleep_soon_unless_the_user_said_otherwise(env, spin):
    # libgomp reads it once, as torch loads it: the command line sets it first thing, and what it
    # set is read back as the command ends (its last step, ``_leave``, made to print it).
    code = (
        "import os, sys; import primify.cli as cli; "
        "cli._leave = lambda code: print(code, os.environ.get('GOMP_SPINCOUNT')); "
        "sys.argv = ['primify', '--version']; cli.main()"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == f"0 {spin}"
