"""Never lose a file, never write a wrong one: inputs are never outputs, nothing is replaced
without --overwrite, an input's outputs are all written or none, and outputs have the right
size and colours. Run as users run primify: the CLI in-process and real subprocesses."""

import errno
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, JpegImagePlugin, PngImagePlugin
from typer.testing import CliRunner

from primify import cli
from primify.batch.report import NOT_WRITTEN
from primify.io.formats import FORMATS, Look, encode
from primify.io.marks import stopped
from primify.model import Scene, Shape

FAST = ["--size", "24", "-n", "4"]
ICC = Path("/usr/share/color/icc/ghostscript")


def run(*args):
    return CliRunner().invoke(cli.app, ["convert", *map(str, args)])


def primify(*args, **kw):
    """A real ``python -m primify convert`` process."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run(
        [sys.executable, "-m", "primify", "convert", *map(str, args)], capture_output=True, text=True, env=env, **kw
    )


def psnr(a: Image.Image, b: Image.Image) -> float:
    mse = ((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2).mean()
    return 99.0 if mse == 0 else float(10 * np.log10(255**2 / mse))


@pytest.fixture
def photos(tmp_path, picture) -> Path:
    """photos/ with a.png, b.jpg and sub/c.png."""
    root = tmp_path / "photos"
    (root / "sub").mkdir(parents=True)
    picture.save(root / "a.png")
    picture.save(root / "b.jpg")
    picture.save(root / "sub" / "c.png")
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# 1. An output that is an input of the run is refused, whichever way it was named.


def _refused(result, before, folder, output, source):
    assert result.exit_code == 2, result.output
    message = "".join(c for c in result.output if not c.isspace() and c not in "│╭╮╰╯─")  # rich wraps long paths
    assert re.search(rf"refusingtowrite'[^']*\b{output}':itistheinput'[^']*\b{source}'", message), message
    assert snapshot(folder) == before


def test_output_named_by_o_that_is_a_hard_link_to_the_input_is_refused(photos):
    os.link(photos / "a.png", photos / "same.png")
    before = snapshot(photos)
    result = run(photos / "a.png", *FAST, "-o", photos / "same.png", "--overwrite")
    _refused(result, before, photos, "same.png", "a.png")


def test_output_named_by_a_template_that_is_the_input_is_refused(photos, monkeypatch):
    monkeypatch.chdir(photos)
    before = snapshot(photos)
    result = run("a.png", *FAST, "--name", "{stem}.{ext}", "--format", "png", "--overwrite")
    _refused(result, before, photos, "a.png", "a.png")


@pytest.mark.parametrize("extra", [[], ["-j", "2"]], ids=["here", "jobs"])
def test_folder_converted_into_itself_under_its_own_names_is_refused(photos, extra):
    before = snapshot(photos)
    result = run(
        photos, "-r", *FAST, "--out-dir", photos, "--name", "{stem}.{ext}", "--format", "png", "--overwrite", *extra
    )
    _refused(result, before, photos, "a.png", "a.png")


def test_glob_through_a_symlinked_folder_and_dotdot_is_refused(photos, tmp_path):
    (tmp_path / "alias").symlink_to(photos)
    before = snapshot(photos)
    result = run(
        str(photos / "*.png"),
        *FAST,
        "--out-dir",
        tmp_path / "alias" / "sub" / "..",
        "--name",
        "{stem}.{ext}",
        "--format",
        "png",
        "--overwrite",
    )
    _refused(result, before, photos, "a.png", "a.png")


def test_an_output_that_is_the_starting_scene_is_refused(photo, tmp_path):
    assert run(photo, *FAST, "-o", tmp_path / "scene.json").exit_code == 0
    before = snapshot(tmp_path)
    result = run(photo, *FAST, "--init", tmp_path / "scene.json", "-o", tmp_path / "scene.json", "--overwrite")
    _refused(result, before, tmp_path, "scene.json", "scene.json")


def test_input_overwrite_is_refused_before_anything_is_sent_to_dask(photos):
    distributed = pytest.importorskip("distributed")
    before = snapshot(photos)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        result = run(
            photos,
            "-r",
            *FAST,
            "--out-dir",
            photos,
            "--name",
            "{stem}.{ext}",
            "--format",
            "png",
            "--overwrite",
            "--dask",
            cluster.scheduler_address,
        )
    _refused(result, before, photos, "a.png", "a.png")


# 2. --skip-existing never replaces; an output stopped by Ctrl-C is marked and re-done.


def test_skip_existing_never_replaces_an_output_that_exists(photo, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "photo.primify.png").write_bytes(b"mine, not primify's")
    result = run(photo, *FAST, "--out-dir", out, "--skip-existing", "--json")
    assert (out / "photo.primify.png").read_bytes() == b"mine, not primify's"
    assert not (out / "photo.primify.svg").exists()
    assert result.exit_code == 1
    record = json.loads(result.stdout)
    assert record["status"] == "error" and "photo.primify.png" in record["error"] and "--overwrite" in record["error"]


def test_skip_existing_skips_an_input_whose_outputs_all_exist(photo, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for ext in ("png", "svg"):
        (out / f"photo.primify.{ext}").write_bytes(b"mine")
    result = run(photo, *FAST, "--out-dir", out, "--skip-existing", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["status"] == "skipped"
    assert snapshot(out) == {"photo.primify.png": b"mine", "photo.primify.svg": b"mine"}


def stopped_at_first_progress(*args) -> tuple[int, str, str]:
    """``primify convert`` with ``args`` (400 shapes at 32 px, --json), sent a real Ctrl-C at its
    first progress line: its exit code, stdout and stderr."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    args = [sys.executable, "-m", "primify", "convert", *map(str, args), "--size", "32", "-n", "400", "--json"]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as child:
        for line in child.stderr:  # plain progress lines, a quarter at a time
            if "shapes," in line:
                break
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=120)
    return child.returncode, stdout, stderr


def test_an_output_stopped_by_a_real_ctrl_c_is_marked_and_redone_by_skip_existing(photo, tmp_path):
    out = tmp_path / "out"
    code, stdout, _ = stopped_at_first_progress(photo, "--out-dir", out, "--format", "png,svg,json")
    assert code == 130
    first = json.loads(stdout)
    assert first["status"] == "stopped" and 0 < first["shapes"] < 400
    png = Image.open(out / "photo.primify.png")
    assert any("stopped" in v for v in png.text.values()), png.text
    assert "stopped" in (out / "photo.primify.svg").read_text()
    assert "stopped" in json.loads((out / "photo.primify.json").read_text())["note"]

    again = primify(
        photo,
        "--size",
        "32",
        "-n",
        "400",
        "--out-dir",
        out,
        "--json",
        "--skip-existing",
        "--format",
        "png",
        "--format",
        "svg",
        "--format",
        "json",
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)
    assert second["status"] == "ok" and second["shapes"] > first["shapes"]
    assert not any("stopped" in v for v in Image.open(out / "photo.primify.png").text.values())
    assert "stopped" not in (out / "photo.primify.svg").read_text()
    assert "note" not in json.loads((out / "photo.primify.json").read_text())


@pytest.mark.parametrize("ext", [".png", ".jpg", ".gif", ".svg", ".uri", ".json"])
def test_every_format_says_it_was_stopped_and_is_read_back_so(ext, tmp_path):
    scene = Scene(32, 24, (0.2, 0.4, 0.6), [Shape("circle", (0.5, 0.5, 0.2), (1.0, 0.0, 0.0), 0.5)])
    for note, path in [("stopped by Ctrl-C with 1 shapes", tmp_path / f"s{ext}"), ("", tmp_path / f"f{ext}")]:
        path.write_bytes(encode(scene, FORMATS[ext], Look(), (32, 24), note))
        assert stopped(path) == bool(note)
    # Another program's picture whose comment begins with the word is not primify's, stopped or not.
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "stopped at the lights")
    Image.new("RGB", (4, 4)).save(tmp_path / "theirs.png", pnginfo=info)
    assert not stopped(tmp_path / "theirs.png")


def test_skip_existing_replaces_no_file_of_the_users_beside_a_stopped_one(photo, tmp_path):
    # One output said it was stopped, and --skip-existing replaced both: the hand-edited SVG too.
    out = tmp_path / "out"
    out.mkdir()
    scene = Scene(32, 24, (0.2, 0.4, 0.6), [])
    (out / "photo.primify.png").write_bytes(encode(scene, "PNG", Look(), (32, 24), "stopped by Ctrl-C with 0 shapes"))
    (out / "photo.primify.svg").write_text("<svg><!-- my edits --></svg>")
    before = snapshot(out)
    result = run(photo, *FAST, "--out-dir", out, "--skip-existing", "--json")
    assert result.exit_code == 1 and snapshot(out) == before
    assert json.loads(result.stdout)["error"] == (
        f"'{out / 'photo.primify.svg'}' exists; pass --overwrite to replace it (--skip-existing skips an input "
        "whose outputs all exist, and replaces only ones stopped by Ctrl-C)"
    )


def test_skip_existing_replaces_no_frame_that_was_not_stopped(photo, tmp_path):
    # With every output stopped, the user's own frames were replaced and those past the last
    # new one deleted.
    out, frames = tmp_path / "out", tmp_path / "frames"
    out.mkdir()
    frames.mkdir()
    scene = Scene(32, 24, (0.2, 0.4, 0.6), [])
    for ext in ("png", "svg"):
        note = "stopped by Ctrl-C with 0 shapes"
        (out / f"photo.primify.{ext}").write_bytes(encode(scene, FORMATS[f".{ext}"], Look(), (32, 24), note))
    for i in range(1, 9):
        Image.new("RGB", (4, 4), (20 * i, 0, 0)).save(frames / f"photo.{i:04d}.png")
    before = snapshot(out), snapshot(frames)
    result = run(photo, *FAST, "--out-dir", out, "--skip-existing", "--frames", frames, "--every", "1", "--json")
    assert result.exit_code == 1 and (snapshot(out), snapshot(frames)) == before
    assert json.loads(result.stdout)["error"].startswith(f"'{frames / 'photo.0001.png'}' exists;")
    # The file named is the one in the way, not a stopped frame that could be replaced.
    for i in range(1, 9):
        note = "stopped by Ctrl-C with 0 shapes"
        (frames / f"photo.{i:04d}.png").write_bytes(encode(scene, "PNG", Look(), (32, 24), note))
    Image.new("RGB", (4, 4)).save(frames / "photo.0009.png")
    result = run(photo, *FAST, "--out-dir", out, "--skip-existing", "--frames", frames, "--every", "1", "--json")
    assert json.loads(result.stdout)["error"].startswith(f"'{frames / 'photo.0009.png'}' exists;")


def test_skip_existing_does_not_skip_an_input_whose_outputs_are_links_to_nothing(photo, tmp_path):
    # It said "skipped, its outputs exist", exit 0, with no output there.
    out = tmp_path / "out"
    out.mkdir()
    for ext in ("png", "svg"):
        (out / f"photo.primify.{ext}").symlink_to(tmp_path / f"nowhere.{ext}")
    result = run(photo, *FAST, "--out-dir", out, "--skip-existing", "--json")
    assert result.exit_code == 1 and json.loads(result.stdout)["status"] == "error"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "photo.jpg"]


def test_a_ctrl_c_under_overwrite_keeps_the_finished_outputs_it_would_have_replaced(photo, tmp_path):
    out = tmp_path / "out"
    assert run(photo, *FAST, "--out-dir", out, "-q").exit_code == 0
    finished = snapshot(out)
    code, stdout, stderr = stopped_at_first_progress(photo, "--out-dir", out, "--overwrite")
    assert code == 130
    record = json.loads(stdout)
    assert record["status"] == "stopped" and record["outputs"] == [] and record["notes"] == [NOT_WRITTEN]
    assert f"stopped early by Ctrl-C: {photo} {NOT_WRITTEN}" in stderr
    assert snapshot(out) == finished


# 3. Re-runs do not convert their own outputs.


def test_glob_reruns_do_not_convert_their_own_outputs(photos, monkeypatch):
    monkeypatch.chdir(photos)
    for _ in range(2):
        assert run("*.png", *FAST, "--skip-existing", "-q").exit_code == 0
    assert sorted(p.name for p in photos.glob("*")) == ["a.png", "a.primify.png", "a.primify.svg", "b.jpg", "sub"]


def test_a_glob_or_folder_of_nothing_but_our_own_outputs_is_an_error_that_says_so(photos, tmp_path):
    out = tmp_path / "out"
    assert run(photos / "a.png", *FAST, "-q", "--out-dir", out).exit_code == 0
    glob = run(out / "*.png", *FAST, "--out-dir", tmp_path / "again", "--json")  # said nothing, exit 0
    assert glob.exit_code == 1
    record = json.loads(glob.stdout)
    assert record["status"] == "error" and record["error"] == (
        f"'{out / 'a.primify.png'}' is one of primify's own outputs; name it on its own to convert it"
    )
    folder = run(out, *FAST, "--out-dir", tmp_path / "again")  # said there were no images
    assert folder.exit_code == 1
    assert folder.stderr == f"error: cannot read '{out}': it is a folder with only primify's own outputs in it\n"
    assert not (tmp_path / "again").exists()


def test_folder_converted_into_itself_by_a_template_gains_no_suffix_per_run(photos):
    name = ["--name", "{stem}-{shape}{shapes}.{ext}", "--out-dir", photos, "-q"]
    assert run(photos, "--size", "24", "-n", "4", *name).exit_code == 0
    assert run(photos, "--size", "24", "-n", "4", *name, "--skip-existing").exit_code == 0
    assert run(photos, "--size", "24", "-n", "5", *name).exit_code == 0  # other names: the PNG's mark tells
    assert sorted(p.name for p in photos.glob("*")) == [
        "a-triangle4.png",
        "a-triangle4.svg",
        "a-triangle5.png",
        "a-triangle5.svg",
        "a.png",
        "b-triangle4.png",
        "b-triangle4.svg",
        "b-triangle5.png",
        "b-triangle5.svg",
        "b.jpg",
        "sub",
    ]


def test_an_output_named_one_by_one_is_an_input(photos):
    assert run(photos, *FAST, "--out-dir", photos, "-q").exit_code == 0
    assert run(photos / "a.primify.png", *FAST, "--out-dir", photos, "-q").exit_code == 0
    assert (photos / "a.primify.primify.png").exists()


# 4. Two runs into one folder: the one that comes second is refused, nothing is replaced.

READ = {"x86_64": "0", "aarch64": "63"}.get(platform.machine())  # the read system call's number


def _blocked_reading_stdin(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/syscall").read_text().split()[:2] == [READ, "0x0"]
    except OSError:
        return False


@pytest.mark.skipif(
    not Path("/proc/self/syscall").exists() or READ is None,
    reason="needs Linux's /proc/PID/syscall on x86_64 or aarch64",
)
def test_two_runs_into_one_folder_never_replace_each_others_files(photo, tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    args = [sys.executable, "-m", "primify", "convert", "-", *FAST, "--out-dir", str(out), "--json"]
    with subprocess.Popen(
        [*args, "--seed", "1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=False,
        env=env,
    ) as first:
        # The first run has checked its outputs and waits for its picture; the second one runs whole.
        deadline = time.monotonic() + 120
        while not _blocked_reading_stdin(first.pid) and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.05)
        second = subprocess.run([*args, "--seed", "2"], input=photo.read_bytes(), capture_output=True, env=env)
        assert second.returncode == 0
        theirs = snapshot(out)
        stdout, stderr = first.communicate(photo.read_bytes(), timeout=120)
    assert first.returncode == 1, stderr
    record = json.loads(stdout)
    assert record["status"] == "error" and "stdin.primify" in record["error"] and "exists" in record["error"]
    assert record["outputs"] == []
    assert snapshot(out) == theirs


# 5. A full disk: an input's outputs are all written or none are.


def _small_files_only(limit: int):
    def limit_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_file_size


def test_when_the_second_output_cannot_be_written_the_first_is_not_left(tmp_path, picture):
    picture.resize((12, 9)).save(tmp_path / "tiny.png")
    out = tmp_path / "out"
    args = [tmp_path / "tiny.png", "--size", "24", "-n", "40", "--out-dir", out, "--json"]
    full = primify(*args, preexec_fn=_small_files_only(2000), timeout=300)  # the PNG fits, the SVG does not
    assert full.returncode == 1, full.stderr
    record = json.loads(full.stdout)
    assert record["status"] == "error" and record["outputs"] == [] and "tiny.primify.svg" in record["error"]
    assert not out.exists()  # nothing in it, not even the folder the run made for it
    again = primify(*args, timeout=300)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in out.iterdir()) == ["tiny.primify.png", "tiny.primify.svg"]


def test_a_link_replaced_by_an_output_is_put_back_as_a_link_when_the_next_output_fails(tmp_path):
    from primify.io.files import place

    (tmp_path / "theirs.png").write_bytes(b"theirs")
    (tmp_path / "link.png").symlink_to("theirs.png")
    (tmp_path / "other.svg").write_bytes(b"other")  # the second output may not replace it
    with pytest.raises(FileExistsError):
        place([(tmp_path / "link.png", b"new"), (tmp_path / "other.svg", b"new")], lambda p: p.name == "link.png")
    # A link again, not a copy of the file it led to (os.link follows links on some Pythons).
    assert os.readlink(tmp_path / "link.png") == "theirs.png"
    assert (tmp_path / "theirs.png").read_bytes() == b"theirs"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.png", "other.svg", "theirs.png"]


def test_outputs_replace_and_roll_back_where_the_file_system_has_no_hard_links(photo, tmp_path, monkeypatch):
    # FAT and exFAT drives, and some network and FUSE mounts, have no hard links: there --overwrite
    # failed with "permission denied", as the file it replaced was kept aside by a hard link. This
    # machine's kernel mounts no such file system, so os.link fails here as it does there.
    from primify.io.files import place

    def no_links(*args, **kwargs):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    files = tmp_path / "files"
    files.mkdir()
    (files / "a.png").write_bytes(b"old a")
    place([(files / "a.png", b"new a"), (files / "b.svg", b"new b")], lambda path: True)
    assert [p.read_bytes() for p in sorted(files.iterdir())] == [b"new a", b"new b"]
    # All or none there too: when the second output fails, the first one's old file is put back.
    (files / "c.svg").write_bytes(b"theirs")
    with pytest.raises(FileExistsError):
        place([(files / "a.png", b"newer"), (files / "c.svg", b"x")], lambda path: path.name == "a.png")
    assert [p.read_bytes() for p in sorted(files.iterdir())] == [b"new a", b"new b", b"theirs"]
    # And through the command line.
    out = files / "out.png"
    assert run(photo, *FAST, "-q", "-o", out).exit_code == 0
    before = out.read_bytes()
    again = run(photo, *FAST, "-q", "-n", "2", "-o", out, "--overwrite")
    assert again.exit_code == 0, again.output
    assert out.read_bytes() != before and Image.open(out).size[0] > 0
    assert sorted(p.name for p in files.iterdir()) == ["a.png", "b.svg", "c.svg", "out.png"]


def test_scene_save_onto_a_folder_says_it_is_one_and_leaves_it(tmp_path):
    # It said "Operation not permitted: '.../d.png' -> '.../.primify-1ba78ad6532b.old'".
    from primify.model import Scene

    scene = Scene(4, 3, (0.5, 0.5, 0.5))
    (tmp_path / "d.png").mkdir()
    (tmp_path / "d.png" / "keep.txt").write_text("mine")
    with pytest.raises(IsADirectoryError, match=r"it is a folder: '.*d\.png'$"):
        scene.save(tmp_path / "d.png")
    assert (tmp_path / "d.png" / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.png"]


@pytest.mark.parametrize("command", ["convert", "render"])
def test_a_folder_or_a_link_to_nowhere_at_an_output_path_is_refused_before_any_work(photo, tmp_path, command):
    # A folder was found out only after the work; a link to nowhere was refused only then, even
    # with --overwrite (the check looked through it, the write did not).
    scene = tmp_path / "scene.json"
    assert run(photo, *FAST, "-q", "-o", scene).exit_code == 0
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "nowhere.png").symlink_to(tmp_path / "missing.png")
    source = [photo, *FAST] if command == "convert" else [scene]
    invoke = lambda *args: CliRunner().invoke(cli.app, [command, *map(str, source), *map(str, args)])
    flat = lambda text: "".join(c for c in text if not c.isspace() and c not in "│")  # rich wraps long paths
    folder = invoke("-o", tmp_path / "folder.png", "--overwrite", *(["--json"] if command == "convert" else []))
    assert folder.exit_code == 1
    assert flat(f"cannot write '{tmp_path / 'folder.png'}': it is a folder") in flat(folder.output)
    if command == "convert":
        assert json.loads(folder.stdout.splitlines()[0])["seconds"] == 0
    nowhere = invoke("-o", tmp_path / "nowhere.png")
    assert nowhere.exit_code == 1
    assert flat("nowhere.png' exists; pass --overwrite") in flat(nowhere.output)
    assert invoke("-o", tmp_path / "nowhere.png", "--overwrite").exit_code == 0
    assert not (tmp_path / "nowhere.png").is_symlink() and Image.open(tmp_path / "nowhere.png").size[0] > 0


def test_temporary_names_stay_short_for_an_output_name_near_the_limit(photo, tmp_path):
    long_name = tmp_path / ("x" * 250 + ".png")  # 254 bytes: a temporary named after it would pass 255
    result = run(photo, *FAST, "-o", long_name)
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("x")] == [long_name.name]


@pytest.mark.parametrize(
    "command, where, code, says",
    [
        ("convert", "input", 1, "cannot read '{long}.png': file name too long"),
        ("convert", "output", 1, "cannot write '{long}.png': file name too long"),
        ("render", "output", 1, "cannot write '{long}.png': file name too long"),
        ("render", "folder", 2, "cannot write to folder '{long}': file name too long"),
    ],
)
def test_a_name_too_long_anywhere_is_one_line_naming_it(photo, tmp_path, command, where, code, says):
    # An input, or render's output in a folder so named, gave a traceback; render's output named
    # its temporary file instead.
    scene = tmp_path / "scene.json"
    assert run(photo, *FAST, "-q", "-o", scene).exit_code == 0
    long = tmp_path / ("y" * 300)
    source = [long.with_suffix(".png") if where == "input" else photo, *FAST] if command == "convert" else [scene]
    target = long / "x.png" if where == "folder" else long.with_suffix(".png")
    args = [*source, *(["--out-dir", tmp_path / "out"] if where == "input" else ["-o", target])]
    result = CliRunner().invoke(cli.app, [command, *map(str, args)])
    flat = lambda text: "".join(c for c in text if not c.isspace() and c not in "│")  # rich wraps long paths
    assert result.exit_code == code and not isinstance(result.exception, OSError), result.output
    assert flat(says.format(long=long)) in flat(result.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([photo.name, "scene.json"])


def test_an_output_name_too_long_is_found_before_the_fitting(photo, tmp_path):
    # It was found when written, after the whole conversion; the batch's other input goes on.
    long = tmp_path / ("x" * 246 + ".png")  # its output, x….primify.png, is 258 bytes
    shutil.copy(photo, long)
    result = run(long, photo, *FAST, "--out-dir", tmp_path / "out", "--json")
    assert result.exit_code == 1
    first, second = map(json.loads, result.stdout.splitlines())
    assert (first["status"], first["seconds"], first["shapes"]) == ("error", 0, 0)
    assert first["error"] == f"cannot write '{tmp_path / 'out' / long.stem}.primify.png': file name too long"
    assert second["status"] == "ok"


def test_a_pattern_in_a_folder_that_is_not_there_matches_nothing(tmp_path):
    # Quoted, so that primify expands it: a traceback from the folder that could not be listed.
    result = run(tmp_path / "nothere" / "*.png", *FAST, "--out-dir", tmp_path / "out")
    assert result.exit_code == 1
    assert result.output == f"error: cannot read '{tmp_path / 'nothere' / '*.png'}': no files match this pattern\n"


@pytest.fixture
def read_only(tmp_path):
    """A read-only tmpfs."""
    yield from tmpfs(tmp_path / "ro", "ro,size=4k")


@pytest.mark.parametrize("folder", [".", "new"])
@pytest.mark.parametrize("command", ["convert", "render"])
def test_a_read_only_file_system_says_so(photo, tmp_path, read_only, command, folder):
    # It said "permission denied", or "[Errno 30] Read-only file system: ..." for a new folder.
    scene = tmp_path / "scene.json"
    assert run(photo, *FAST, "-q", "-o", scene).exit_code == 0
    where = read_only / folder
    source = [photo, *FAST] if command == "convert" else [scene]
    result = CliRunner().invoke(cli.app, [command, *map(str, source), "-o", str(where / "x.png")])
    flat = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2 and f"cannot write to folder '{where}': read-only file system" in flat, flat


def test_a_current_folder_that_cannot_be_written_to_is_not_blamed_on_out_dir(photo, read_only, monkeypatch):
    # With no --out-dir given, it said "Invalid value for --out-dir".
    monkeypatch.chdir(read_only)
    result = run(photo, *FAST)
    assert result.exit_code == 2
    says = "cannot write to the current folder: read-only file system; --out-dir writes elsewhere"
    assert result.output == f"error: {says}\n"


@pytest.mark.parametrize("how", [["--out-dir", "loop"], ["--out-dir", "a1/deeper"], ["--name", "loop/{stem}.{ext}"]])
def test_an_out_dir_through_a_link_in_a_loop_is_one_line(photo, tmp_path, monkeypatch, how):
    # Path.resolve raised for it: a traceback.
    monkeypatch.chdir(tmp_path)
    Path("loop").symlink_to("loop")
    Path("a1").symlink_to("a2")
    Path("a2").symlink_to("a1")
    result = run(photo, *FAST, *how)
    flat = " ".join(result.output.replace("│", " ").split())
    link = how[1].split("/")[0]
    assert result.exit_code in (1, 2) and f"'{link}' is a link in a loop" in flat, flat
    assert not isinstance(result.exception, (OSError, RuntimeError))


def test_an_input_that_is_a_link_in_a_loop_says_so(tmp_path, monkeypatch):
    # It was called a link to a file that does not exist.
    monkeypatch.chdir(tmp_path)
    Path("loop.png").symlink_to("loop.png")
    result = run("loop.png", *FAST, "--out-dir", "out")
    assert result.exit_code == 1 and result.stderr == "error: cannot read 'loop.png': it is a link in a loop\n"


@pytest.mark.parametrize("command", ["render", "init"])
def test_a_scene_that_never_ends_is_refused_once_past_any_scene_s_size(photo, tmp_path, command):
    # /dev/zero as a scene was read whole: all the memory there was, then the kernel's killer.
    args = ["render", "/dev/zero", "-o", tmp_path / "x.png"]
    if command == "init":
        args = ["convert", photo, *FAST, "--init", "/dev/zero", "--out-dir", tmp_path / "out"]
    done = subprocess.run([sys.executable, "-m", "primify", *map(str, args)], capture_output=True, text=True)
    said = " ".join(done.stderr.replace("│", " ").split())
    assert done.returncode in (1, 2) and "Traceback" not in said
    assert "cannot read '/dev/zero': it is over 268,435,456 bytes, more than a scene file of a million shapes" in said


def test_a_folder_too_deep_to_list_is_one_line_in_the_sentence_s_case(picture, tmp_path, monkeypatch):
    # Folders 22 deep of 200-character names: the deepest is past the 4096 bytes a path may be.
    monkeypatch.chdir(tmp_path)
    os.mkdir("deep")
    os.chdir("deep")
    picture.save("a.png")
    for _ in range(22):
        os.mkdir("q" * 200)
        os.chdir("q" * 200)
    os.chdir(tmp_path)
    result = run("deep", "-r", *FAST, "--out-dir", "out", "--json")
    errors = [json.loads(line)["error"] for line in result.stdout.splitlines() if json.loads(line)["error"]]
    assert result.exit_code == 1 and errors and errors[0].endswith(": file name too long"), result.output


def tmpfs(disk: Path, options: str) -> Iterator[Path]:
    """``disk``, a tmpfs mounted with ``options`` while the test runs (skipped where that needs
    what this machine does not give: root, mount)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root (the RLIMIT_FSIZE test covers a full disk too)")
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


@pytest.fixture
def tiny_disk(tmp_path):
    """A tmpfs of one 4 kB page: a small PNG fits, an SVG after it does not."""
    yield from tmpfs(tmp_path / "disk", "size=4k")


def test_a_full_disk_leaves_none_of_an_inputs_outputs(tmp_path, picture, tiny_disk):
    picture.resize((12, 9)).save(tmp_path / "tiny.png")
    result = run(tmp_path / "tiny.png", "--size", "24", "-n", "40", "--out-dir", tiny_disk, "--json")
    assert result.exit_code == 1
    record = json.loads(result.stdout)
    assert record["status"] == "error" and record["outputs"] == [] and "no space left" in record["error"]
    assert list(tiny_disk.iterdir()) == []


@pytest.mark.parametrize("command", ["convert", "render"])
def test_standard_output_on_a_full_disk_is_an_error_not_a_short_file(tmp_path, photo, command):
    scene = tmp_path / "scene.json"
    assert run(photo, *FAST, "-o", scene).exit_code == 0
    given = [photo, *FAST] if command == "convert" else [scene]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    with open(tmp_path / "out.png", "wb") as out:
        # A file that can grow to 4 kB: the large PNG's write comes back short, then fails.
        done = subprocess.run(
            [sys.executable, "-m", "primify", command, *map(str, given), "-q", "-o", "-", "--format", "png"]
            + ["--output-size", "1000"],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            preexec_fn=_small_files_only(4096),
            timeout=300,
        )
    assert done.returncode == 1, done.stderr
    assert done.stderr.endswith(": file too large\n") and done.stderr.count("\n") == 1, done.stderr


def test_json_lines_to_a_reader_that_goes_away_end_in_one_error_line(tmp_path, picture):
    (tmp_path / "in").mkdir()
    for name in "abcd":
        picture.save(tmp_path / "in" / f"{name}.png")
    proc = subprocess.Popen(
        [sys.executable, "-m", "primify", "convert", str(tmp_path / "in"), *FAST, "--json", "-q"]
        + ["--out-dir", str(tmp_path / "out")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    assert json.loads(proc.stdout.readline())["status"] == "ok"
    proc.stdout.close()  # as ``| head -1`` does, long before the next picture is done
    err = proc.stderr.read()
    assert proc.wait(timeout=300) == 1
    assert err == "error: standard output was closed before everything was written to it\n"


# 6. Sizes: PNG and JPEG have the input's size, or exactly --output-size on the longer side.


@pytest.mark.parametrize("size", [(512, 600), (640, 427), (1001, 7)])
def test_png_and_jpeg_have_exactly_the_inputs_size(tmp_path, size):
    Image.new("RGB", size, (200, 90, 30)).save(tmp_path / "in.png")
    result = run(tmp_path / "in.png", "-n", "4", "-o", tmp_path / "out.png", "-o", tmp_path / "out.jpg")  # --size 256
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "out.png").size == size
    assert Image.open(tmp_path / "out.jpg").size == size


def test_an_exif_rotated_photo_gives_outputs_of_its_upright_size(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned a quarter clockwise: 40×30 stored, 30×40 seen
    Image.new("RGB", (40, 30), (200, 90, 30)).save(tmp_path / "in.jpg", exif=exif)
    result = run(tmp_path / "in.jpg", *FAST, "-o", tmp_path / "out.png", "-o", tmp_path / "out.jpg")
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "out.png").size == Image.open(tmp_path / "out.jpg").size == (30, 40)


@pytest.mark.parametrize("size, expected", [((512, 600), (341, 400)), ((640, 427), (400, 267)), ((1001, 7), (400, 3))])
def test_output_size_sets_the_longer_side_and_rounds_the_shorter_for_png_jpeg_and_gif(tmp_path, size, expected):
    Image.new("RGB", size, (200, 90, 30)).save(tmp_path / "in.png")
    outputs = [tmp_path / f"out.{ext}" for ext in ("png", "jpg", "gif")]
    result = run(tmp_path / "in.png", *FAST, "--output-size", 400, *[a for p in outputs for a in ("-o", p)])
    assert result.exit_code == 0, result.output
    assert [Image.open(p).size for p in outputs] == [expected] * 3


# 9. Colour: embedded profiles are honoured, JPEGs keep full colour resolution.


def _profile(name: str) -> ImageCms.ImageCmsProfile:
    path = ICC / name
    if not path.exists():
        pytest.skip(f"needs the ICC profile {path} (Debian's ghostscript package)")
    return ImageCms.getOpenProfile(str(path))


@pytest.mark.parametrize(
    "profile, mode, ext, colour",
    [
        ("a98.icc", "RGB", "png", (200, 60, 70)),
        ("rommrgb.icc", "RGB", "png", (200, 60, 70)),
        ("default_cmyk.icc", "CMYK", "jpg", (150, 110, 90)),
    ],
    ids=["adobe-rgb", "prophoto", "cmyk"],
)
def test_pictures_with_a_profile_are_converted_to_srgb_through_it(tmp_path, profile, mode, ext, colour):
    icc = _profile(profile)
    srgb = ImageCms.createProfile("sRGB")
    tagged = ImageCms.profileToProfile(Image.new("RGB", (32, 24), colour), srgb, icc, outputMode=mode)
    tagged.save(tmp_path / f"in.{ext}", icc_profile=icc.tobytes())
    result = run(tmp_path / f"in.{ext}", *FAST, "-o", tmp_path / "out.png")
    assert result.exit_code == 0, result.output
    mean = np.asarray(Image.open(tmp_path / "out.png").convert("RGB"), np.float64).reshape(-1, 3).mean(0)
    assert np.abs(mean - colour).max() < 6, mean


def test_jpeg_outputs_keep_full_colour_resolution(tmp_path):
    art = np.full((48, 48, 3), 250, np.uint8)
    art[10:30, 5:40] = (220, 20, 60)
    art[30:44, 20:30] = (20, 60, 220)
    Image.fromarray(art).save(tmp_path / "art.png")
    result = run(tmp_path / "art.png", "--size", "48", "-n", "8", "-o", tmp_path / "o.jpg", "-o", tmp_path / "o.png")
    assert result.exit_code == 0, result.output
    jpeg = Image.open(tmp_path / "o.jpg")
    assert JpegImagePlugin.get_sampling(jpeg) == 0  # 4:4:4
    assert psnr(jpeg.convert("RGB"), Image.open(tmp_path / "o.png").convert("RGB")) > 40


# 10. A transparent picture over a chosen background is fitted as it is seen over it.


def test_transparent_picture_over_a_chosen_background_is_fitted_over_it(tmp_path):
    y, x = np.mgrid[0:48, 0:48]
    logo = np.zeros((48, 48, 4), np.uint8)
    logo[(x - 24) ** 2 + (y - 24) ** 2 < 100] = (200, 30, 30, 255)
    Image.fromarray(logo).save(tmp_path / "logo.png")
    result = run(tmp_path / "logo.png", "--size", "48", "-n", "8", "--background", "#ffffff", "-o", tmp_path / "o.png")
    assert result.exit_code == 0, result.output
    seen = Image.alpha_composite(Image.new("RGBA", (48, 48), "white"), Image.fromarray(logo)).convert("RGB")
    out = Image.open(tmp_path / "o.png").convert("RGB")
    assert psnr(out, seen) > 15
    clear = np.asarray(out)[logo[..., 3] == 0]
    assert (clear >= 250).all(axis=1).mean() > 0.9


def test_a_rerun_of_star_leaves_its_own_out_dir_out_with_a_line(photos, monkeypatch):
    # The shell's `*` names the out-dir the first run made: it has nothing to convert, and that
    # is no error, as primify's own files named among others are none.
    monkeypatch.chdir(photos)
    first = run("a.png", "b.jpg", *FAST, "--out-dir", "shapes", "-q")
    assert first.exit_code == 0
    again = run(*sorted(p.name for p in photos.iterdir()), *FAST, "--out-dir", "shapes", "--skip-existing", "--json")
    assert again.exit_code == 0, again.output
    records = {json.loads(line)["input"]: json.loads(line) for line in again.stdout.splitlines()}
    assert records["shapes"]["status"] == "skipped"
    own = "shapes: left out, named among others: it is a folder with only primify's own outputs in it\n"
    assert own in again.stderr
    # Named on its own, the folder is still an error: there is nothing in it to convert.
    alone = run("shapes", *FAST, "--out-dir", "again")
    assert alone.exit_code == 1
    assert alone.stderr == "error: cannot read 'shapes': it is a folder with only primify's own outputs in it\n"


def test_output_takes_a_picture_whose_own_outputs_a_star_names_beside_it(photos, monkeypatch):
    # `a*` names a.png and the a.primify.png and .svg a first run wrote: they are left out, so
    # one picture is left, and -o takes it; two pictures are still too many.
    monkeypatch.chdir(photos)
    assert run("a.png", *FAST, "-q").exit_code == 0
    for args in (["a.png", "a.primify.png", "a.primify.svg"], ["a*"]):
        done = run(*args, *FAST, "-o", "new.svg")
        assert done.exit_code == 0, done.output
        assert (photos / "new.svg").read_bytes().startswith(b"<svg")
        (photos / "new.svg").unlink()
    both = run("a.png", "a.primify.png", "b.jpg", *FAST, "-o", "new.svg")
    assert both.exit_code == 2
    flat = " ".join(both.output.replace("│", " ").split())
    assert "--output takes a single input; use --out-dir for several" in flat, flat
    assert not (photos / "new.svg").exists()


def test_a_rerun_of_star_over_only_our_outputs_and_the_out_dir_converts_nothing(photos, monkeypatch):
    # `*` named a.primify.png and shapes/: the folder did not count as another input, so the
    # output was converted again, into a.primify.primify.png.
    monkeypatch.chdir(photos)
    assert run("a.png", *FAST, "-o", "a.primify.png", "-q").exit_code == 0
    (photos / "shapes").mkdir()
    again = run("a.primify.png", "shapes", *FAST, "--out-dir", "shapes")
    assert again.exit_code == 0, again.output
    assert "a.primify.png: left out, as one of primify's own outputs named among others" in again.stderr
    assert "shapes: left out, named among others: it is a folder with no images in it" in again.stderr
    assert list((photos / "shapes").iterdir()) == []
    # Two such folders are still nothing to convert: an error, as one alone is.
    (photos / "more").mkdir()
    assert run("shapes", "more", *FAST, "--out-dir", "x").exit_code == 1


def test_folders_made_for_pictures_that_fail_are_not_left_behind_empty(photos, tmp_path):
    (photos / "damaged").mkdir()
    (photos / "damaged" / "d.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    out = tmp_path / "out"
    done = run(photos, "-r", *FAST, "--out-dir", out, "-q")
    assert done.exit_code == 1
    # The folder made for the damaged picture is gone; the ones with outputs stay.
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir()) == ["sub"]
    # A run that writes nothing leaves no folder of its own, however deep, and an empty folder
    # that was there before stays.
    assert run(photos / "damaged" / "d.png", *FAST, "--out-dir", tmp_path / "new" / "deeper").exit_code == 1
    assert not (tmp_path / "new").exists()
    (tmp_path / "mine").mkdir()
    assert run(photos / "damaged" / "d.png", *FAST, "--out-dir", tmp_path / "mine").exit_code == 1
    assert (tmp_path / "mine").is_dir()


def test_a_star_run_leaves_out_folders_with_nothing_to_convert_and_reruns_into_svg_or_deeper_out_dirs(
    photos, monkeypatch
):
    # An out-dir made before the first run, one of SVGs only, one below a folder `*` names: each
    # is a folder with no pictures to convert, which `*` names among the pictures.
    monkeypatch.chdir(photos)
    (photos / "made").mkdir()
    named = lambda: sorted(p.name for p in photos.iterdir() if p.name != "sub")  # noqa: E731
    for out, extra in [("made", []), ("svgs", ["--format", "svg"]), ("deep/er", [])]:
        for _ in range(2):
            done = run(*named(), *FAST, "--out-dir", out, "--skip-existing", *extra)
            assert done.exit_code == 0, done.output
    assert "svgs: left out, named among others: it is a folder with no images in it\n" in done.stderr
    assert "made: left out, named among others: it is a folder with only primify's own outputs in it\n" in done.stderr
    assert sorted(p.name for p in (photos / "svgs").iterdir()) == ["a.primify.svg", "b.primify.svg"]


def test_a_folder_named_through_dot_dot_is_never_taken_away_as_one_the_run_made(photos, tmp_path):
    damaged = tmp_path / "d.png"
    damaged.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    (tmp_path / "keep").mkdir()
    # `nothere/../keep` names `keep`, which was there before: only `nothere` is new, and unneeded.
    assert run(damaged, *FAST, "--out-dir", tmp_path / "nothere" / ".." / "keep").exit_code == 1
    assert run(damaged, *FAST, "-o", tmp_path / "nothere" / ".." / "keep" / "x.png").exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.png", "keep", "photos"]


def test_render_leaves_no_folder_it_made_when_it_writes_nothing(photos, tmp_path):
    scene = tmp_path / "scene.json"
    assert run(photos / "a.png", *FAST, "-o", scene, "-q").exit_code == 0
    (tmp_path / "afile").write_text("mine")
    # The second output's folder cannot be, as a file has its name: nothing is written.
    done = CliRunner().invoke(
        cli.app,
        ["render", str(scene), "-o", str(tmp_path / "new" / "deep" / "x.png"), "-o", str(tmp_path / "afile" / "y.png")],
    )
    assert done.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "photos", "scene.json"]


def test_outputs_go_where_the_system_finds_a_path_with_dot_dot_and_make_no_folder_on_the_way(photos, tmp_path):
    (tmp_path / "other" / "sub").mkdir(parents=True)
    (tmp_path / "other" / "x").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "other" / "sub")
    # `link/..` is other/, as the system resolves it, not tmp_path, as the text reads.
    assert run(photos / "a.png", *FAST, "--out-dir", tmp_path / "link" / ".." / "x", "-q").exit_code == 0
    assert sorted(p.name for p in (tmp_path / "other" / "x").iterdir()) == ["a.primify.png", "a.primify.svg"]
    (tmp_path / "keep").mkdir()
    assert run(photos / "a.png", *FAST, "-o", tmp_path / "a" / "b" / ".." / ".." / "keep" / "x.png").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep", "link", "other", "photos"]
    assert [p.name for p in (tmp_path / "keep").iterdir()] == ["x.png"]


@pytest.mark.parametrize("links", [True, False], ids=["hard links", "no hard links"])
def test_a_replaced_file_that_cannot_be_put_back_is_kept_and_named_and_the_others_go_back(tmp_path, monkeypatch, links):
    # Putting the first file back raised, which stopped the others going back, and then every
    # spare was deleted: the old PNG was lost, and without hard links the old SVG too. Renames
    # into x.svg fail here (an I/O error, say) as none can be made to fail for real.
    from primify.io.files import place

    real_replace = os.replace

    def failing(src, dst, *args, **kwargs):
        if Path(dst).name == "x.svg":
            raise OSError(errno.EIO, "Input/output error", str(src), None, str(dst))
        return real_replace(src, dst, *args, **kwargs)

    def no_links(*args, **kwargs):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "replace", failing)
    if not links:
        monkeypatch.setattr(os, "link", no_links)
    (tmp_path / "x.png").write_bytes(b"old png")
    (tmp_path / "x.svg").write_bytes(b"old svg")
    with pytest.raises(OSError) as e:
        place([(tmp_path / "x.png", b"new png"), (tmp_path / "x.svg", b"new svg")], lambda path: True)
    assert (tmp_path / "x.png").read_bytes() == b"old png"
    left = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    if links:  # the SVG never left its name: nothing is lost, nothing is left over
        assert left == {"x.png": b"old png", "x.svg": b"old svg"}
        assert str(e.value) == f"[Errno 5] Input/output error: '{tmp_path / 'x.svg'}'"
    else:  # moved aside, and kept there, by the name the error gives
        (spare,) = [name for name in left if name.endswith(".old")]
        assert left == {"x.png": b"old png", spare: b"old svg"}
        kept = f"'{tmp_path / 'x.svg'}' could not be put back as it was: it is kept as '{tmp_path / spare}'"
        assert str(e.value) == f"[Errno 5] Input/output error; and {kept}: '{tmp_path / 'x.svg'}'"
