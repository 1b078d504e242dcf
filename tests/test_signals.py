"""Ctrl-C and SIGTERM sent for real to a real ``primify convert``: here, with -j 2 and on a
local Dask cluster. The first Ctrl-C keeps the work so far and reports every input; a second
one or SIGTERM ends the run at once, leaving no partial file and no process behind."""

import concurrent.futures
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from primify.batch.runners import AGAIN, DIED
from primify.batch.signals import graceful
from primify.cli import INTERRUPTED, STOPPING

SLOW = ["--size", "48", "--json", "-n"]


@pytest.fixture
def pictures(tmp_path) -> list[Path]:
    """Four different 64×48 pictures in in/."""
    (tmp_path / "in").mkdir()
    paths = []
    for i, name in enumerate("abcd"):
        a = np.random.default_rng(i).integers(0, 255, (48, 64, 3), dtype=np.uint8)
        paths.append(tmp_path / "in" / f"{name}.png")
        Image.fromarray(a).save(paths[-1])
    return paths


def start(*args, script: Path | None = None, ignoring: tuple[int, ...] = ()) -> subprocess.Popen:
    """``primify convert`` in a session of its own, as a shell starts a job; run by ``script``,
    a file that runs primify's ``main`` with something altered, where given; started with the
    signals ``ignoring`` ignored, as `trap "" INT` has a shell start it."""
    program = [script] if script else ["-m", "primify"]
    return subprocess.Popen(
        [sys.executable, *map(str, program), "convert", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: [signal.signal(n, signal.SIG_IGN) for n in ignoring] and None,
    )


def wait_for_progress(proc: subprocess.Popen) -> str:
    """Reads standard error until a progress line shows that optimizing has begun."""
    seen = ""
    while True:
        line = proc.stderr.readline()
        assert line, f"ended before any progress: {seen}{proc.stderr.read()}"
        seen += line
        if " shapes, " in line and "/" in line:
            return seen


def read_until(proc: subprocess.Popen, text: str) -> str:
    """Reads standard error until a line that holds ``text``; a process that says nothing for a
    minute is killed, so that the test fails rather than hangs. (Not ``select``: the lines may
    be read into the pipe's buffer already.)"""
    seen = ""
    guard = threading.Timer(60, proc.kill)
    guard.start()
    try:
        while text not in seen:
            line = proc.stderr.readline()
            assert line, f"ended before saying {text!r}: {seen}"
            seen += line
    finally:
        guard.cancel()
    return seen


def finish(proc: subprocess.Popen, seen: str = "") -> tuple[int, list[dict], str]:
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # a hang fails the test and leaves nothing running
        pytest.fail(f"still running two minutes on: {seen}{proc.communicate()[1]}")
    return proc.returncode, [json.loads(line) for line in out.splitlines()], seen + err


def left_in(group: int, patience: float = 5) -> list[str]:
    """The command lines of live (not zombie) processes in process group ``group``, after giving
    those on their way out (multiprocessing's resource tracker ends when its pipe closes) a
    moment to go."""
    for _ in range(round(patience * 10)):
        left = []
        for entry in Path("/proc").iterdir():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == group and fields[0] != "Z":
                left.append(command)
        if not left:
            return []
        time.sleep(0.1)
    return left


def check_files(out: Path, records: list[dict]) -> None:
    """Exactly the files the records name are there, none temporary, and each decodes."""
    written = {p for r in records for p in r["outputs"]}
    assert {str(p) for p in out.rglob("*") if p.is_file()} == written
    for path in written:
        if path.endswith(".png"):
            with Image.open(path) as im:
                im.load()


def test_first_ctrl_c_keeps_the_work_so_far_and_reports_every_input(tmp_path, pictures):
    out = tmp_path / "out"
    proc = start(tmp_path / "in", *SLOW, "64", "--out-dir", out)
    seen = wait_for_progress(proc)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends Ctrl-C: to the whole job
    code, records, err = finish(proc, seen)
    assert code == 130, err
    assert "Traceback" not in err
    by_name = {Path(r["input"]).name: r for r in records}
    assert sorted(by_name) == ["a.png", "b.png", "c.png", "d.png"]
    assert by_name["a.png"]["status"] == "stopped" and 0 < by_name["a.png"]["shapes"] < 64
    assert len(by_name["a.png"]["outputs"]) == 2
    for name in "bcd":
        assert by_name[f"{name}.png"]["status"] == "not_started" and by_name[f"{name}.png"]["outputs"] == []
    assert "stopped early by Ctrl-C" in err and "not started" in err
    check_files(out, records)


def test_first_ctrl_c_with_two_jobs_reports_every_input_and_leaves_no_worker(tmp_path, pictures):
    out = tmp_path / "out"
    proc = start(tmp_path / "in", *SLOW, "64", "-j", "2", "--out-dir", out)
    seen = wait_for_progress(proc)
    os.killpg(proc.pid, signal.SIGINT)
    code, records, err = finish(proc, seen)
    assert code == 130, err
    assert "Traceback" not in err
    assert sorted(Path(r["input"]).name for r in records) == ["a.png", "b.png", "c.png", "d.png"]
    statuses = [r["status"] for r in records]
    assert set(statuses) <= {"ok", "stopped", "not_started"} and "stopped" in statuses
    check_files(out, records)
    assert left_in(proc.pid) == []


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("how", ["second SIGINT", "SIGTERM"])
def test_second_ctrl_c_or_sigterm_ends_at_once_leaving_nothing_half_made(tmp_path, pictures, jobs, how):
    out = tmp_path / "out"
    proc = start(tmp_path / "in", *SLOW, "64", "-j", jobs, "--out-dir", out)
    seen = wait_for_progress(proc)
    if how == "SIGTERM":
        os.kill(proc.pid, signal.SIGTERM)  # as kill(1) and service managers send it: to the process
    else:
        # The second only once the first has landed: two sent back to back can reach the
        # process as one, and the run would then stop gracefully instead.
        os.killpg(proc.pid, signal.SIGINT)
        seen += read_until(proc, STOPPING)
        os.killpg(proc.pid, signal.SIGINT)
    code, records, err = finish(proc, seen)
    assert code == (143 if how == "SIGTERM" else 130), err
    assert (INTERRUPTED in err) == (how != "SIGTERM"), err
    # Nor Python's warning of the workers' semaphores, which its resource tracker then removes.
    assert "Traceback" not in err and "Warning" not in err and "leaked" not in err
    assert not [p for p in out.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"] if out.exists() else True
    for path in out.rglob("*.png") if out.exists() else []:
        with Image.open(path) as im:
            im.load()
    assert all(r["status"] != "ok" for r in records)  # aborted with 48 of its 64 shapes to go
    assert left_in(proc.pid) == []


def workers(group: int, server: bool = False) -> set[int]:
    """The pids of -j's live workers in process group ``group``: the children of the server
    they are forked from; with ``server``, the server's too."""
    procs = {}
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            procs[int(entry.name)] = (int(fields[1]), b"forkserver" in command)
    servers = {pid for pid, (parent, forks) in procs.items() if forks and parent == group}
    return {pid for pid, (parent, _) in procs.items() if parent in servers} | (servers if server else set())


def test_a_worker_killed_fails_only_its_own_picture_and_the_batch_goes_on(tmp_path, pictures):
    # kill -9 stands in for the kernel's out-of-memory killer or a crash in a decoder. A dead
    # worker broke the whole pool: both pictures in it failed, a traceback followed, and the two
    # not yet sent were never reported. Now the pictures in it run again one at a time, and the
    # one whose worker dies again, alone, is the one that fails.
    out = tmp_path / "out"
    proc = start(tmp_path / "in", *SLOW, "64", "-j", "2", "--out-dir", out)
    seen = wait_for_progress(proc)
    first = workers(proc.pid)
    os.kill(min(first), signal.SIGKILL)
    deadline = time.monotonic() + 60
    while not workers(proc.pid) - first and time.monotonic() < deadline:
        time.sleep(0.05)  # the new pool's worker, which runs a picture of the first alone
    time.sleep(0.5)
    for pid in workers(proc.pid):
        os.kill(pid, signal.SIGKILL)
    code, records, err = finish(proc, seen)
    assert code == 1, err
    assert "Traceback" not in err
    assert sorted(Path(r["input"]).name for r in records) == ["a.png", "b.png", "c.png", "d.png"]
    failed = [r for r in records if r["status"] != "ok"]
    assert len(failed) == 1 and failed[0]["status"] == "error", records
    name = failed[0]["input"]
    assert failed[0]["error"] == f"cannot convert '{name}': {DIED}"
    assert f"error: cannot convert '{name}': the process converting it ended abruptly" in err
    # The other three were in the broken pool too (four are sent at once to two workers).
    assert [AGAIN in r["notes"] for r in records if r["status"] == "ok"] == [True] * 3, records
    assert f"note: {AGAIN}" in err
    check_files(out, records)
    assert left_in(proc.pid) == []


def test_workers_killed_with_their_server_fail_no_picture(tmp_path, pictures):
    # As `pkill -9 -f forkserver` does. The server's death looked like every worker's, and the
    # picture run again alone was blamed; and a new pool that started its workers through the
    # dying server ended the whole run with "Aborted.", the pictures left never reported.
    out = tmp_path / "out"
    proc = start(tmp_path / "in", *SLOW, "64", "-j", "2", "--out-dir", out)
    seen = wait_for_progress(proc)
    for pid in sorted(workers(proc.pid, server=True)):  # the server first: it was started first
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)
    code, records, err = finish(proc, seen)
    assert code == 0, err
    assert sorted((Path(r["input"]).name, r["status"]) for r in records) == [(f"{n}.png", "ok") for n in "abcd"]
    check_files(out, records)
    assert left_in(proc.pid) == []


#: primify, with -j's main thread made to sleep each time it holds the locks of the workers'
#: futures, as Python's ``concurrent.futures.wait`` does for a moment in each wait: a signal that
#: lands in that moment (made long here) unwinds with the locks held, and the pool's own thread
#: then waits for them for ever.
HOLDING = """
import sys, time
import concurrent.futures._base as futures

def held(self):
    for future in self.futures:
        future._condition.acquire()
    time.sleep(0.3)

futures._AcquireFutures.__enter__ = held
if __name__ == "__main__":
    from primify.cli import main
    sys.argv[0] = "primify"
    main()
"""


def test_a_second_ctrl_c_that_lands_while_the_workers_locks_are_held_still_ends_the_run(tmp_path, pictures):
    # This once hung in CI: the pool was then waited for, and its thread needed a held lock.
    assert hasattr(concurrent.futures._base, "_AcquireFutures")  # the moment made long here
    (tmp_path / "holding.py").write_text(HOLDING)
    out = tmp_path / "out"
    proc = start(tmp_path / "in", *SLOW, "64", "-j", "2", "--out-dir", out, script=tmp_path / "holding.py")
    seen = wait_for_progress(proc)
    os.killpg(proc.pid, signal.SIGINT)
    seen += read_until(proc, STOPPING)
    os.killpg(proc.pid, signal.SIGINT)
    code, records, err = finish(proc, seen)
    assert code == 130 and INTERRUPTED in err and "Traceback" not in err, err
    assert not [p for p in out.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"] if out.exists() else True
    assert left_in(proc.pid) == []


#: primify, with each start of a -j worker made slow, and a thread of its own beside the main
#: one (as rich's progress bars have), which does not hold Ctrl-C back.
SLOW_START = """
import sys, threading, time
from concurrent.futures import ProcessPoolExecutor

submit = ProcessPoolExecutor.submit

def slow(self, *args, **kwargs):
    print("submitting", file=sys.stderr, flush=True)
    time.sleep(2)
    return submit(self, *args, **kwargs)

ProcessPoolExecutor.submit = slow
if __name__ == "__main__":
    threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
    from primify.cli import main
    sys.argv[0] = "primify"
    main()
"""


def test_a_ctrl_c_while_a_worker_starts_is_not_lost_to_another_thread(tmp_path, pictures):
    # Ctrl-C was held back in the main thread and ignored by the process while a worker was
    # submitted: a Ctrl-C then went to another thread, was ignored there, and the run went on.
    (tmp_path / "slow.py").write_text(SLOW_START)
    proc = start(tmp_path / "in", *SLOW, "64", "-j", "2", "--out-dir", tmp_path / "out", script=tmp_path / "slow.py")
    seen = read_until(proc, "submitting")
    os.kill(proc.pid, signal.SIGINT)  # to the process: the kernel gives it to a thread that takes it
    code, records, err = finish(proc, seen)
    assert code == 130 and STOPPING in err and "Traceback" not in err, err
    assert sorted(Path(r["input"]).name for r in records) == ["a.png", "b.png", "c.png", "d.png"]


def test_printing_imports_nothing_so_a_ctrl_c_can_print_wherever_it_lands():
    # The first Ctrl-C prints from its handler: landing while the main thread imported what
    # rich's first print imported (its emoji codes), it found that half made and failed.
    code = (
        "import sys; from primify.cli.show import err; before = set(sys.modules); "
        "err.print('stopping'); print(sorted(set(sys.modules) - before))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n" and done.stderr == "stopping\n"


@contextmanager
def reading_standard_input(*args, env: dict | None = None) -> Iterator[subprocess.Popen]:
    """``primify`` with ``args`` (and ``env`` added to the environment), in a session of its
    own, once its main thread waits to read standard input, a pipe kept open: it waits there for
    as long as the test likes, so that a signal sent then lands there. Ended and its pipe closed
    after the block."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "primify", *map(str, args)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, **(env or {})},
    )
    try:
        # Until its main thread reads file descriptor 0 (Linux's syscall 0, read, with fd 0).
        syscall = Path(f"/proc/{proc.pid}/syscall")
        while not syscall.read_text().startswith("0 0x0 "):
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        yield proc
    finally:
        proc.kill()
        proc.stdin.close()


def test_a_first_ctrl_c_says_it_is_stopping_and_a_second_that_it_interrupted(tmp_path):
    # The command reads its picture from a pipe, so it waits inside the batch, and each Ctrl-C
    # lands there (before, both were silent).
    with reading_standard_input("convert", "-", "--size", "24", "-n", "4", "--out-dir", tmp_path) as proc:
        os.killpg(proc.pid, signal.SIGINT)
        assert select.select([proc.stderr], [], [], 30)[0], "nothing said at the first Ctrl-C"
        assert proc.stderr.readline() == "stopping: what is done is kept; Ctrl-C again stops at once\n"
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=60) == 130 and proc.stderr.read() == "interrupted: nothing more written\n"
    assert not list(tmp_path.iterdir())


def test_a_second_ctrl_c_while_the_first_still_says_it_stops_aborts_once_that_line_is_out():
    # Landing in the middle of rich's print of that line, it made rich write the line twice.
    said = []

    def stopping():
        said.append("begun")
        os.kill(os.getpid(), signal.SIGINT)  # the second Ctrl-C, while the first is being said
        time.sleep(0.2)
        said.append("said")

    with pytest.raises(KeyboardInterrupt), graceful(stopping) as stop:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(30)
    assert said == ["begun", "said"] and stop()


def test_ctrl_c_that_reaches_typer_says_it_interrupted(tmp_path):
    # render has no Ctrl-C of its own: typer turned one into exit 130 and said nothing.
    with reading_standard_input("render", "-", "-o", tmp_path / "x.png") as proc:
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=60) == 130 and proc.stderr.read() == INTERRUPTED + "\n"
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("command", [["render", "-", "-o", "x.png"], ["convert", "-", "-o", "x.png"]])
def test_only_the_main_thread_takes_ctrl_c_and_sigterm_while_standard_input_is_read(command):
    # The kernel gives a signal to any thread that does not block it. OpenBLAS's thread, started as
    # torch is imported, blocked neither: a Ctrl-C it took now and then (this file's Ctrl-C test
    # failed so) left the main thread waiting in read, and the command deaf to it.
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("OpenBLAS, whose thread numpy starts as torch imports it, starts none on one core")
    # Dask sets OPENBLAS_NUM_THREADS=1 in the environment of the process that imports it: this
    # one, where an earlier test ran a cluster.
    with reading_standard_input(*command, env={"OPENBLAS_NUM_THREADS": "2"}) as proc:
        tasks = Path(f"/proc/{proc.pid}/task")
        others = [t for t in tasks.iterdir() if t.name != str(proc.pid)]
        masks = [int(re.search(r"^SigBlk:\s*(\w+)", (t / "status").read_text(), re.M)[1], 16) for t in others]
    wanted = 1 << (signal.SIGINT - 1) | 1 << (signal.SIGTERM - 1) | 1 << (signal.SIGHUP - 1)
    assert others and all(mask & wanted == wanted for mask in masks)


def test_sigterm_to_render_unwinds_and_exits_143(tmp_path):
    # render had no SIGTERM of its own: the process was killed where it stood (status -15),
    # with whatever it was writing left behind.
    with reading_standard_input("render", "-", "-o", tmp_path / "deep" / "x.png") as proc:
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=60) == 143 and proc.stderr.read() == ""
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["INT", "TERM", "HUP"])
def test_a_signal_the_command_was_started_ignoring_stays_ignored(tmp_path, pictures, signum):
    # A script's background job starts with Ctrl-C ignored, and `trap "" TERM` or nohup mean to
    # outlive the terminal: the batch put in its own handlers, and stopped (SIGINT) or ended.
    out = tmp_path / "out"
    proc = start(pictures[0], *SLOW, "40", "--out-dir", out, ignoring=(signum,))
    seen = wait_for_progress(proc)
    os.killpg(proc.pid, signum)
    code, records, err = finish(proc, seen)
    assert code == 0, err
    assert [(r["status"], r["shapes"]) for r in records] == [("ok", 40)]
    check_files(out, records)


def test_sighup_unwinds_as_sigterm_does_leaving_whole_files_and_no_process(tmp_path, pictures):
    # The terminal closed: the command was killed where it stood (no handler), with whatever it
    # was writing left behind, and -j's workers with it.
    out = tmp_path / "out"
    proc = start(tmp_path / "in", *SLOW, "200", "-j", "2", "--out-dir", out)
    seen = wait_for_progress(proc)
    os.kill(proc.pid, signal.SIGHUP)
    code, records, err = finish(proc, seen)
    assert code == 129 and "Traceback" not in err, err
    check_files(out, records)
    assert left_in(proc.pid) == []


def test_workers_end_with_a_command_killed_with_sigkill(tmp_path, pictures):
    # Nothing in the command runs at SIGKILL (out of memory, `timeout -s KILL`): its workers,
    # and the server they were forked from, waited for work for ever, with their memory.
    proc = start(tmp_path / "in", *SLOW, "200", "-j", "2", "--out-dir", tmp_path / "out")
    wait_for_progress(proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert left_in(proc.pid, patience=15) == []


def test_first_ctrl_c_on_dask_stops_the_cluster_work_and_reports_every_input(tmp_path, pictures):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "out"
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        proc = start(tmp_path / "in", *SLOW, "200", "--dask", cluster.scheduler_address, "--out-dir", out)
        while not any(client.processing().values()):  # both workers have an image
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGINT)
        code, records, err = finish(proc)
    assert code == 130, err
    assert "Traceback" not in err
    assert sorted(Path(r["input"]).name for r in records) == ["a.png", "b.png", "c.png", "d.png"]
    # 200 shapes each: what finished could only have been stopped early or not started.
    assert {r["status"] for r in records} <= {"stopped", "not_started"}
    check_files(out, records)


def test_a_pictures_line_names_a_polygon_variant_among_its_kinds():
    from primify import Scene, Shape
    from primify.batch.report import describe
    from primify.batch.work import Result

    five = Shape("polygon:5", (0.5, 0.5, 0.0) + (0.1,) * 5, (1.0, 0.0, 0.0))
    circle = Shape("circle", (0.5, 0.5, 0.1), (1.0, 0.0, 0.0))
    result = Result(0, "a.png", scene=Scene(8, 8, (0.0, 0.0, 0.0), [five, circle, five]), psnr=20.0, device="cpu")
    # It said "3 circle shapes": KINDS has polygon, never polygon:5.
    assert describe(result, "a.png", 3, (Path("a.svg"),)) == [
        "a.png: 3 circle,polygon:5 shapes, 20.00 dB, 0.0 s on cpu -> a.svg"
    ]


@pytest.mark.parametrize(
    "placed, says",
    [(3, "written with 3 of 4 shapes"), (4, "written with all 4 shapes, their last refinement cut short")],
)
def test_a_stopped_pictures_line_says_how_far_it_got(placed, says):
    from primify import Scene, Shape
    from primify.batch.report import describe
    from primify.batch.work import Result

    shape = Shape("circle", (0.5, 0.5, 0.1), (1.0, 0.0, 0.0))
    result = Result(0, "a.png", scene=Scene(8, 8, (0.0, 0.0, 0.0), [shape] * placed), stopped=True)
    assert describe(result, "a.png", 4, (Path("a.svg"),)) == [f"stopped early by Ctrl-C: a.png {says} -> a.svg"]


def ctrl_c_inside_import_torch(*args) -> tuple[subprocess.Popen, str]:
    """``primify convert`` with ``args``, sent a Ctrl-C (to its whole session, as a terminal
    sends it) once it is inside ``import torch``: -X importtime prints a line as each module is
    imported, and a torch submodule's line means most of a second of it is still to come.
    Returns the process and what it said besides those lines, which a workers' server prints
    to the same pipe, where one may fall between a line of the command's and its newline."""
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "primify", "convert", *map(str, args)],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # Ctrl-C as at a terminal: a suite started in the background of a script (`cmd &`)
        # ignores SIGINT, and its children inherit that, as they should.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    while not proc.stderr.readline().split("|")[-1].strip().startswith("torch."):
        assert proc.poll() is None, proc.stderr.read()
    os.killpg(proc.pid, signal.SIGINT)
    return proc, re.sub(r"import time:[^\n]*\n", "", proc.stderr.read())


def test_ctrl_c_while_torch_is_still_being_imported_is_one_line_and_exit_130(tmp_path, pictures):
    proc, err = ctrl_c_inside_import_torch(pictures[0], "--out-dir", tmp_path / "out")
    assert proc.wait(timeout=60) == 130
    assert err == "interrupted: nothing more written\n"
    assert not (tmp_path / "out").exists()


def test_ctrl_c_while_the_workers_server_is_still_importing_torch_is_one_line_and_leaves_no_process(tmp_path, pictures):
    # With -j 2 the workers' server imports torch beside the command; it took the same Ctrl-C
    # and printed a traceback of its own under the command's line.
    proc, err = ctrl_c_inside_import_torch(*pictures, "-j", "2", "--out-dir", tmp_path)
    assert proc.wait(timeout=60) == 130
    assert err == "interrupted: nothing more written\n"
    # The server ends once its import is done and it finds the command gone.
    assert left_in(proc.pid, patience=60) == []


HELD = """
import os, signal, subprocess, sys
from primify import startup
try:
    with startup.{block}():
        try:
            # What a process started here makes of Ctrl-C, and one Ctrl-C for real.
            ignores = "import signal; print('ignores' if signal.getsignal(2) is signal.SIG_IGN else 'takes')"
            print(subprocess.run([sys.executable, "-c", ignores],
                                 capture_output=True, text=True).stdout.strip())
            os.kill(os.getpid(), signal.SIGINT)
            print("went on")
        except KeyboardInterrupt:
            print("swallowed")  # raised inside, where torch's C++ start-up could abort on it
    print("ran to the end")
except KeyboardInterrupt:
    print("interrupted")
"""


@pytest.mark.parametrize(
    "block, says",
    [
        # Held: a process started inside ignores Ctrl-C, and this one's comes after the block.
        ("ctrl_c_held", ["ignores", "went on", "interrupted"]),
        # Kept: never raised inside the block (where torch's C++ start-up could abort on it),
        # a KeyboardInterrupt at its end.
        ("ctrl_c_kept", ["takes", "went on", "interrupted"]),
    ],
)
def test_ctrl_c_at_start_up_is_held_from_new_processes_and_kept_for_the_blocks_end(block, says):
    done = subprocess.run(
        [sys.executable, "-c", HELD.format(block=block)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert done.stdout.split("\n")[:-1] == says, done.stderr
