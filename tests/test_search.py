"""Few shapes' searches: the best of several kept, the second in a real forked process where
asked, with the same result as in turn, and no process left behind however the first ends."""

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch

import primify
from primify import Settings
from primify.fit import search as searching
from primify.fit.search import best_of
from primify.model import Shape

FEW = dict(shapes=6, size=96, steps=6, candidates=4, polish_steps=6, regrow=1)


def fake(calls: list, pidfile=None, fail_in_child: bool = False, parent: int | None = None):
    """A search whose scene is its seed's first random number (background) and whose loss is
    that number: the least of several searches is known. Records (seed, reported) here."""

    def run(gen, report, stop):
        if pidfile is not None and os.getpid() != parent:
            pidfile.write_text(str(os.getpid()))
            if fail_in_child:
                raise RuntimeError("a search that fails in its process")
        value = torch.rand(1, generator=gen)
        calls.append((gen.initial_seed(), report is not searching._SILENT))
        report(value)
        return value, [Shape("circle", (0.5, 0.5, value.item()), (0.1, 0.2, 0.3), 1.0)]

    return run


def loss(scene):
    return scene[0].item()


def test_the_scene_of_least_loss_is_kept_and_only_the_first_search_reports():
    calls, reports = [], []
    scene = best_of(4, fake(calls), loss, torch.Generator().manual_seed(3), reports.append, lambda: False)
    assert len(calls) == 4 and [reported for _, reported in calls] == [True, False, False, False]
    seeds = torch.randint(2**62, (4,), generator=torch.Generator().manual_seed(3)).tolist()
    values = [torch.rand(1, generator=torch.Generator().manual_seed(s)).item() for s in seeds]
    assert [seed for seed, _ in calls] == seeds
    assert loss(scene) == min(values) and len(reports) == 1


def test_one_search_runs_from_the_callers_generator_as_a_fit_always_did():
    calls = []
    scene = best_of(1, fake(calls), loss, torch.Generator().manual_seed(3), lambda *_: None, lambda: False)
    assert loss(scene) == torch.rand(1, generator=torch.Generator().manual_seed(3)).item()


def test_a_second_search_in_a_forked_process_gives_what_it_gives_in_turn(tmp_path):
    pidfile = tmp_path / "child"
    here = best_of(2, fake([]), loss, torch.Generator().manual_seed(5), lambda *_: None, lambda: False)
    calls = []
    search = fake(calls, pidfile, parent=os.getpid())
    beside = best_of(2, search, loss, torch.Generator().manual_seed(5), lambda *_: None, lambda: False, True)
    # The second search ran in another process (its call was recorded there, not here) and is gone.
    assert len(calls) == 1 and int(pidfile.read_text()) != os.getpid()
    with pytest.raises(ProcessLookupError):
        os.kill(int(pidfile.read_text()), 0)
    assert torch.equal(beside[0], here[0]) and beside[1] == here[1]


def test_a_forked_search_that_fails_runs_here_instead(tmp_path):
    here = best_of(2, fake([]), loss, torch.Generator().manual_seed(7), lambda *_: None, lambda: False)
    calls = []
    search = fake(calls, tmp_path / "child", fail_in_child=True, parent=os.getpid())
    beside = best_of(2, search, loss, torch.Generator().manual_seed(7), lambda *_: None, lambda: False, True)
    assert len(calls) == 2 and torch.equal(beside[0], here[0]) and beside[1] == here[1]


def waiting_for_a_slow_child(pidfile, then):
    """A search whose forked run records its pid and sleeps a minute, and whose run here waits
    until that one has started and then returns ``then()``."""
    parent = os.getpid()

    def search(gen, report, stop):
        if os.getpid() != parent:
            # Written whole under another name, then renamed: the run here returns as soon as the
            # name is there, and this process is ended then, so a half-written pid would stay so.
            partial = pidfile.with_name(pidfile.name + ".part")
            partial.write_text(str(os.getpid()))
            partial.rename(pidfile)
            time.sleep(60)
        while not pidfile.exists():
            time.sleep(0.01)
        return then()

    return search


def test_ctrl_c_in_the_first_search_ends_the_forked_one_at_once(tmp_path):
    def ctrl_c():
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        best_of(2, waiting_for_a_slow_child(tmp_path / "child", ctrl_c), loss, torch.Generator(), print, bool, True)
    assert time.monotonic() - started < 30
    with pytest.raises(ProcessLookupError):
        os.kill(int((tmp_path / "child").read_text()), 0)


def test_a_stop_during_the_first_search_keeps_it_and_ends_the_forked_one(tmp_path):
    stopped = []

    def stopping():
        stopped.append(True)
        return torch.tensor([0.5]), []

    started = time.monotonic()
    search = waiting_for_a_slow_child(tmp_path / "child", stopping)
    scene = best_of(2, search, loss, torch.Generator(), print, lambda: bool(stopped), True)
    assert time.monotonic() - started < 30 and loss(scene) == 0.5
    with pytest.raises(ProcessLookupError):
        os.kill(int((tmp_path / "child").read_text()), 0)


def test_a_conversion_is_the_same_with_its_second_search_forked_or_in_turn(picture, monkeypatch):
    forks = []
    real = os.fork

    def counted():
        forks.append(True)
        return real()

    monkeypatch.setattr(searching.os, "fork", counted)
    in_turn = primify.convert(picture, **FEW)
    assert not forks
    beside = primify.convert(picture, **FEW, fork=True)
    assert len(forks) == 1
    assert beside == in_turn


def test_several_searches_run_only_for_few_shapes_and_not_at_effort_fast():
    assert Settings(shapes=20).search_runs == 2
    assert Settings(shapes=21).search_runs == 1
    assert Settings(shapes=8, effort="fast").search_runs == 1
    assert Settings(shapes=8, effort="best", searches=3).search_runs == 3
    assert Settings(shapes=8, few_shapes=0).search_runs == 1


def test_a_conversion_on_one_thread_runs_one_search(picture):
    """One thread (as under -j 2 on two cores): the core a second search would take is another's."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        default, one = primify.convert(picture, **FEW), primify.convert(picture, **FEW, searches=1)
    finally:
        torch.set_num_threads(before)
    assert default == one


def test_threads_begun_during_another_conversions_one_thread_search_take_up_the_count_outside_it(picture):
    """torch.set_num_threads also sets the count that threads yet to start on torch take up:
    one that first looked at it while another thread searched on one thread took up 1 for good,
    converted with one search (another scene), and then set 1 for the threads after it."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    inner, looked, later = [], [], []

    def in_search(_):
        if not inner:  # the first report, from the first search, on one thread
            inner.append(None)
            for work in (
                lambda: looked.append(torch.get_num_threads()),
                lambda: inner.append(primify.convert(picture, **FEW)),
            ):
                t = threading.Thread(target=work)
                t.start()
                t.join()

    def count_later():
        torch.ones(1 << 16).sum()  # a thread takes up its count at its first parallel operation
        later.append(torch.get_num_threads())

    try:
        alone = primify.convert(picture, **FEW)
        for work in (lambda: primify.convert(picture, **FEW, progress=in_search), count_later):
            t = threading.Thread(target=work)
            t.start()
            t.join()
    finally:
        torch.set_num_threads(before)
    assert looked == [2] and inner == [None, alone] and later == [2]


def test_a_conversion_inside_a_progress_callback_leaves_the_one_it_is_called_from_as_it_was(picture):
    """A conversion called from a report of the first search, which runs on one thread, runs as
    alone, and that search goes on on one thread (it went on on two): as alone, both."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    inner, seen, seen_alone = [], [], []

    def convert_inner(_):
        seen.append(torch.get_num_threads())
        if not inner:
            inner.append(primify.convert(picture, **FEW))

    try:
        alone = primify.convert(picture, **FEW, progress=lambda _: seen_alone.append(torch.get_num_threads()))
        outer = primify.convert(picture, **FEW, progress=convert_inner)
    finally:
        torch.set_num_threads(before)
    assert inner == [alone] and outer == alone and seen == seen_alone and seen[0] == 1


def _convert_here(picture) -> int:
    primify.convert(picture, **FEW)
    return torch.get_num_threads()


def test_a_pool_forked_after_a_conversion_converts_on_one_thread(picture):
    """GNU OpenMP's threads, which a conversion on two starts, do not survive a fork: a forked
    child's first parallel operation waited for them for ever."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        primify.convert(picture, **FEW)
        with multiprocessing.get_context("fork").Pool(1) as pool:
            threads = pool.apply_async(_convert_here, (picture,)).get(timeout=120)
    finally:
        torch.set_num_threads(before)
    assert threads == 1


PIDS = Path("/sys/fs/cgroup/pids")


@pytest.mark.skipif(not os.access(PIDS, os.W_OK), reason="limits threads with a pids cgroup (v1, as root)")
def test_where_no_thread_can_start_a_conversion_gives_the_same_scene(picture, tmp_path):
    """A one-thread block hands the count outside it back from a thread of its own; where none
    can start (a limit on processes), it goes on without."""
    picture.save(tmp_path / "p.png")
    group = PIDS / f"primify-test-{os.getpid()}"
    group.mkdir()
    code = f"""
import os, threading, torch, primify
convert = lambda: primify.convert({str(tmp_path / "p.png")!r}, **{FEW!r})
alone = convert()
group = {str(group)!r}  # as many threads as this process has now, and no more
open(group + "/pids.max", "w").write(str(len(os.listdir("/proc/self/task"))))
open(group + "/cgroup.procs", "w").write(str(os.getpid()))
try:
    threading.Thread(target=print).start()
except RuntimeError:
    print("no thread", convert() == alone)
"""
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    finally:
        group.rmdir()
    assert done.stdout.split() == ["no", "thread", "True"], done.stderr


def test_where_no_process_can_start_the_second_search_runs_here():
    import resource

    here = best_of(2, fake([]), loss, torch.Generator().manual_seed(9), lambda *_: None, lambda: False)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # No descriptor left for the pipe to the process that would run the second search.
    lowest_free = os.dup(0)
    os.close(lowest_free)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free, hard))
    try:
        with pytest.raises(OSError):
            os.pipe()
        calls = []
        beside = best_of(2, fake(calls), loss, torch.Generator().manual_seed(9), lambda *_: None, lambda: False, True)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert len(calls) == 2 and torch.equal(beside[0], here[0]) and beside[1] == here[1]


def test_ctrl_c_while_waiting_for_the_forked_search_is_a_ctrl_c_and_ends_it(tmp_path):
    # It became "OSError: Bad file descriptor", and the search went on running.
    import signal

    def ctrl_c(*_):
        raise KeyboardInterrupt

    def first_done_then_ctrl_c_soon():
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        return torch.tensor([0.5]), []

    before = signal.signal(signal.SIGALRM, ctrl_c)
    try:
        with pytest.raises(KeyboardInterrupt):
            search = waiting_for_a_slow_child(tmp_path / "child", first_done_then_ctrl_c_soon)
            best_of(2, search, loss, torch.Generator(), print, bool, True)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
    with pytest.raises(ProcessLookupError):
        os.kill(int((tmp_path / "child").read_text()), 0)


def test_where_sigchld_is_ignored_the_forked_search_still_counts():
    # The system reaps the process itself, so waiting for it fails: every conversion failed.
    import signal

    here = best_of(2, fake([]), loss, torch.Generator().manual_seed(4), lambda *_: None, lambda: False)
    before = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        calls = []
        beside = best_of(2, fake(calls), loss, torch.Generator().manual_seed(4), lambda *_: None, lambda: False, True)
    finally:
        signal.signal(signal.SIGCHLD, before)
    assert len(calls) == 1 and torch.equal(beside[0], here[0]) and beside[1] == here[1]


def test_a_ctrl_c_while_a_block_sets_the_thread_count_leaves_the_count_as_it_was(monkeypatch):
    """A block on one thread waits for a thread of its own to set the count outside it; a
    Ctrl-C during that wait (a notebook's stop) left torch on one thread for good."""
    from primify.fit import threads as counting

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    joins, join = [], threading.Thread.join

    def interrupted_join(thread, *args):
        joins.append(thread)
        if len(joins) == 1:  # a real Ctrl-C, taken by the main thread as the wait ends
            os.kill(os.getpid(), signal.SIGINT)
        join(thread, *args)

    monkeypatch.setattr(threading.Thread, "join", interrupted_join)
    try:
        with pytest.raises(KeyboardInterrupt), counting.threads(1):
            pass
        monkeypatch.undo()
        after = torch.get_num_threads(), counting._blocks
        later = []
        t = threading.Thread(target=lambda: later.append(torch.get_num_threads()))
        t.start()
        t.join()
    finally:
        torch.set_num_threads(before)
    assert len(joins) == 1 and after == (2, 0) and later == [2]
