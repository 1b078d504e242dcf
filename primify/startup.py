"""A command's first second is importing torch. This module imports nothing heavy, and makes
that second cost less: the collector is held off while torch is imported, and ``-j``'s worker
processes are forked from a server that imports primify once, started before the command
imports torch, so that the two imports run side by side rather than one after the other. It
also sets, before torch is loaded, how long torch's idle CPU threads wait busily."""

import gc
import multiprocessing
import os
import re
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

#: What -j's worker processes run, imported once in the server they are forked from; torch
#: first, as the command line imports it (see ``primify.cli.main``); last, what has the server
#: end quickly.
WORKER_MODULES = ["torch", "primify.batch.runners", "primify.batch.server"]


#: How many turns torch's idle CPU threads (OpenMP's, in libgomp) spin waiting for more work
#: before they sleep. libgomp's default, 300000, outlasts the Python between a fit's small
#: operations, so with two threads the second one spun through most of them. In runs in turn of
#: a folder at `-j 1`, a short spin took as long and much less CPU; none at all
#: (OMP_WAIT_POLICY=PASSIVE) paid a sleep and a wake-up per operation and took far longer.
SPIN = "3000"


def spin_briefly() -> None:
    """Has torch's idle CPU threads spin ``SPIN`` turns before they sleep, unless the user set
    GOMP_SPINCOUNT or OMP_WAIT_POLICY. Only before torch is imported: libgomp reads it as it
    loads. For the command line, whose process this is; -j's workers inherit it."""
    if "OMP_WAIT_POLICY" not in os.environ:
        os.environ.setdefault("GOMP_SPINCOUNT", SPIN)


@contextmanager
def collector_off() -> Iterator[None]:
    """Importing torch makes a few hundred thousand objects that live as long as the process, and
    the collector scanning them again and again while they are made took a tenth of a second of
    every command's start-up. So it waits, and what the block made goes straight to the oldest
    generation (freeze, then unfreeze), where scanning would have moved it; objects another
    program froze itself are left frozen, and a collector that was off stays off."""
    collecting, frozen = gc.isenabled(), gc.get_freeze_count()
    gc.disable()
    try:
        yield
    finally:
        if not frozen:
            gc.freeze()
            gc.unfreeze()
        if collecting:
            gc.enable()


@contextmanager
def ctrl_c_held() -> Iterator[None]:
    """Ctrl-C held back meanwhile (it waits, it is not lost), and ignored from the start by a
    process started inside: such a process, multiprocessing's server, is a program started
    afresh, which the mask does not pass to but an ignored signal does. So a Ctrl-C while it is
    still importing torch cannot print a traceback from it (the command decides what Ctrl-C
    means; the server and the workers it forks ignore it once running too). Only briefly, and
    best where this is the only thread: the mask is this thread's, and a Ctrl-C that another
    thread takes meanwhile is ignored there, lost."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    # Blocked, a Ctrl-C stays pending though ignored, and meets the handler put back first.
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextmanager
def signals_left_to_main() -> Iterator[None]:
    """Threads started during the block (numpy's OpenBLAS starts one as torch imports numpy)
    never take Ctrl-C, SIGTERM or SIGHUP. The kernel gives a signal to any one thread that does
    not block it, and Python handles it only in the main thread: one taken by that thread while
    the main thread waited in a system call (``render -`` reading standard input) left the
    command deaf to it, waiting on. A thread starts with the mask of the thread that starts it,
    so the block holds these signals meanwhile; one that comes is delivered at its end, here."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextmanager
def ctrl_c_kept() -> Iterator[None]:
    """A Ctrl-C during the block is a KeyboardInterrupt at its end, never inside it: raised
    while torch's C++ start-up called back into Python, it aborted the process (C++ ends a
    program on an error it cannot pass on) or became another error with a traceback, and one
    that the start-up caught was lost. Where Ctrl-C is ignored (a background job), or another
    handler is set, it is left as it is."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    hit = []
    signal.signal(signal.SIGINT, lambda signum, frame: hit.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if hit:
        raise KeyboardInterrupt


def workers_context():
    """The multiprocessing context -j's workers start in: forked from a server process that has
    imported primify once, where the platform has one (forking the command itself, which holds
    torch's and rich's threads, could hang), else spawned, each importing it afresh; started
    early (``warm``), the server saves a short batch a fraction of a second."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(WORKER_MODULES)
    return ctx


def warm() -> None:
    """Starts the workers' server now, where there is one and it is not running: begun before
    this process imports torch, its import runs beside this one's."""
    if workers_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        with ctrl_c_held():
            _quiet_tracker()
            forkserver.ensure_running()


def _quiet_tracker() -> None:
    """Starts multiprocessing's resource tracker, if not running, with its warnings off: when
    SIGTERM or a second Ctrl-C ends the command, the workers' semaphores are left to it, and it
    removes them, as it is there to, but says so first in a Python warning ("There appear to be
    5 leaked semaphore objects"), which tells a user nothing. It is a process of its own, so
    only its environment reaches it; the variable is put back at once."""
    from multiprocessing import resource_tracker

    before = os.environ.get("PYTHONWARNINGS")
    quiet = "ignore::UserWarning:multiprocessing.resource_tracker"
    os.environ["PYTHONWARNINGS"] = f"{before},{quiet}" if before else quiet
    try:
        resource_tracker.ensure_running()
    finally:
        if before is None:
            del os.environ["PYTHONWARNINGS"]
        else:
            os.environ["PYTHONWARNINGS"] = before


def settle() -> None:
    """Ends the workers' server, if one runs, and waits for it: it has reaped the workers, so
    their time and memory are counted as this process's children's (what ``time`` and every
    benchmark see); one is started again when next needed. A no-op where the Python in use has
    no way to end it."""
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is not None:
        stop()


def asks_for_workers(argv: Sequence[str]) -> bool:
    """Whether a command line ``primify convert ... -j N`` asks for N > 1 worker processes (as
    ``-j N``, ``-jN``, ``--jobs N`` or ``--jobs=N``): read before the options are parsed, which
    needs the imports this is to run beside. A wrong guess costs only a server started in vain."""
    if "convert" not in argv:
        return False
    for i, arg in enumerate(argv):
        found = re.fullmatch(r"-j(\d*)|--jobs(?:=(\d*))?", arg)
        if found:
            count = found.group(1) or found.group(2) or (argv[i + 1] if i + 1 < len(argv) else "")
            return count.isdigit() and int(count) > 1
    return False
