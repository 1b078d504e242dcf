"""Few shapes: the best of several searches, the second beside the first where a core is spare.

A fit of a few shapes is chaotic: the same search from another seed lands elsewhere, a tenth
to a third of a dB a picture apart at 8 triangles. So at a fifth of ``few_shapes`` and below the
search on the shrunk picture (placement, then regrowth) runs ``Settings.searches`` times, each
from its own seed drawn from the caller's generator and on one thread, and the best is
finished at the working size. On Linux and the CPU, with ``beside``, the second search runs in
a process forked for it while this one runs the first, so where a core is spare it costs about
the time of one. Either way the same searches are run and the same one is kept.
"""

import ctypes
import os
import pickle
import signal
import sys
import warnings
from collections.abc import Callable
from contextlib import suppress

import torch

from ..model import Shape
from .threads import threads

#: What a search returns and the fit passes on: (background (C,), shapes in painter's order).
Scene = tuple[torch.Tensor, list[Shape]]
#: ``search(generator, report, stop)``: one search; ``report`` is the fit's (or silent).
Search = Callable[[torch.Generator, Callable, Callable[[], bool]], Scene]

#: What a forked search must not take as this process's: Ctrl-C and the request to end.
_HELD = {signal.SIGINT, signal.SIGTERM}
_SILENT = lambda *_: None  # noqa: E731
_NEVER = lambda: False  # noqa: E731


def best_of(
    searches: int,
    search: Search,
    loss: Callable[[Scene], float],
    gen: torch.Generator,
    report: Callable,
    stop: Callable[[], bool],
    beside: bool = False,
) -> Scene:
    """The scene of least ``loss`` among ``searches`` searches (the first on a tie); the first
    alone reports. One search runs from ``gen`` itself, as a fit always did; several each from a
    seed drawn from it, each on one thread, so that its shapes are the same beside another or
    not (another thread count sums in another order; few shapes on a shrunk picture make
    operations too small for a second thread to share). A second search that fails in its own
    process runs here instead."""
    if searches <= 1:
        return search(gen, report, stop)
    seeds = torch.randint(2**62, (searches,), generator=gen).tolist()
    seeded = lambda i: torch.Generator().manual_seed(seeds[i])  # noqa: E731
    scenes: list[Scene | None] = []
    child = _forked(lambda: search(seeded(1), _SILENT, _NEVER)) if beside and _can_fork() else None
    try:
        with threads(1):
            scenes.append(search(seeded(0), report, stop))
        if child is not None and not stop():
            pid, read = child
            child = None  # _collected ends it, whatever comes
            scenes.append(_collected(pid, read))
    finally:
        if child is not None:
            os.close(child[1])
            _end(child[0])
    for i in range(1, searches):
        if stop():
            break
        if i < len(scenes) and scenes[i] is not None:
            continue
        with threads(1):
            scenes[i : i + 1] = [search(seeded(i), _SILENT, stop)]
    return min((s for s in scenes if s is not None), key=loss)


def _can_fork() -> bool:
    """Forking copies only this thread, so it is safe for work that needs no other: torch's CPU
    arithmetic on one thread, and a pipe. Linux only: elsewhere a forked process may not use
    the system's numerical libraries."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def _forked(run: Callable[[], Scene]) -> tuple[int, int] | None:
    """(pid, read end of a pipe): a process forked to ``run`` and send back its scene, or None
    where the system would start no process (out of processes, memory or file descriptors):
    then the search runs here. It ignores Ctrl-C (this process decides what that means and ends
    it) and dies with this process."""
    parent = os.getpid()
    try:
        read, write = os.pipe()
    except OSError:
        return None
    # Held (not ignored: one that comes meanwhile waits, here or in another thread) until the
    # child has its own handlers, so that none of this process's runs in the child.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        with warnings.catch_warnings():
            # Python 3.12 warns of forking where other threads run (rich's); the child uses none.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    finally:
        if os.getpid() == parent:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
    if pid:
        os.close(write)
        return pid, read
    code = 1
    try:
        os.close(read)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        with suppress(Exception):
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == parent:
            torch.set_num_threads(1)
            background, shapes = run()
            with os.fdopen(write, "wb") as out:
                pickle.dump((background.tolist(), shapes), out)
            code = 0
    finally:
        # Never this process's exit: no cleanup, buffers or atexit of the command it was forked from.
        os._exit(code)


def _collected(pid: int, read: int) -> Scene | None:
    """The forked search's scene, once it has ended, or None where it did not finish. A Ctrl-C
    or SIGTERM while this waits for it ends it before going on."""
    try:
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
    except BaseException:
        _end(pid)
        raise
    if not _succeeded(pid) or not data:
        return None
    try:
        background, shapes = pickle.loads(data)
    except Exception:  # cut short: the process ended before all of it was written
        return None
    return torch.tensor(background), shapes


def _succeeded(pid: int) -> bool:
    """Waits for the forked search to end; whether it ended with success. Where SIGCHLD is
    ignored the system reaps it and its status is lost: then what it wrote says."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return True
    return os.waitstatus_to_exitcode(status) == 0


def _end(pid: int) -> None:
    """Ends the forked search, which may still run, and reaps it."""
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with suppress(ChildProcessError):
        os.waitpid(pid, 0)
