"""Three ways to run many tasks: here, in N local processes, or on a Dask cluster. Results come
back as they finish; the caller writes outputs, so workers need no access to the caller's files."""

import ctypes
import gc
import os
import queue
import re
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

import torch

from ..fit.optimize import Progress
from ..startup import settle, warm, workers_context
from .signals import on_abort
from .work import Result, Task, work

#: How to install what --dask needs, here and on the workers: this project's own distribution
#: (the name primify on the public index is another project).
DASK_INSTALL = "pip install 'primify-shapes[dask]', built from this project (see the README)"


def run_here(
    tasks: Iterable[Task],
    progress: Callable[[int, Progress], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Iterator[Result]:
    """Runs the tasks one after another in this process; once ``stop()`` is True the rest come
    back as not started."""
    for task in tasks:
        if stop and stop():
            yield _not_started(task)
        else:
            yield work(task, progress and (lambda p, i=task.index: progress(i, p)), stop)


def _not_started(task: Task) -> Result:
    return Result(task.index, task.name, stopped=True)


def run_processes(
    tasks: Iterable[Task],
    jobs: int,
    progress: Callable[[int, Progress], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Iterator[Result]:
    """Runs ``jobs`` tasks at a time in worker processes, which share the CPU's threads. Once
    ``stop()`` is True the workers stop early and the tasks not sent come back as not started;
    an abort (a second Ctrl-C, SIGTERM) ends the workers at once."""
    # The workers are forked from a server that ignores Ctrl-C, started with it held (here, if
    # the command has not started it already). Not held while submitting: the command has other
    # threads by then (rich's), and a Ctrl-C meant for the process would go to one of them and
    # be ignored there: lost.
    warm()
    ctx = workers_context()
    halt, queue = ctx.Event(), ctx.Queue()
    threads = max(1, (os.cpu_count() or 1) // jobs)
    pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_start_worker, initargs=(halt, queue, threads))
    pending = iter(tasks)
    running, aborted = {}, []

    def kill() -> None:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()

    def abort() -> None:
        aborted.append(True)
        kill()

    # The workers have the cores: this process's own renders (the outputs) take one thread, so
    # that its threads' waits between operations take no core from them.
    own = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with on_abort(abort):
            yield from _in_pool(pool, pending, running, jobs, halt, queue, progress, stop)
    finally:
        torch.set_num_threads(own)
        # After an abort nothing is waited for: the signal may have landed while this thread
        # held a lock of the pool's (a future's, held for a moment in each wait), which the
        # pool's own thread needs before it can end; waiting for that thread hung a run. The
        # workers are ended, and the process is on its way out.
        if not aborted:
            # Work still running here means the caller stopped early: the workers are stopped,
            # not waited for.
            if running:
                kill()
            pool.shutdown(wait=True, cancel_futures=True)
            settle()


def _in_pool(pool, pending, running: dict, jobs: int, halt, queue, progress, stop) -> Iterator[Result]:
    while True:
        while len(running) < 2 * jobs and not halt.is_set():
            task = next(pending, None)
            if task is None:
                break
            running[pool.submit(_work_in_worker, task, progress is not None)] = task
        if not running:
            # Once stopped, what was never sent is reported too.
            yield from map(_not_started, pending)
            return
        done, _ = wait(running, timeout=0.1, return_when=FIRST_COMPLETED)
        while not queue.empty():
            index, p = queue.get()
            if progress:
                progress(index, p)
        if stop and stop():
            halt.set()
        for future in done:
            task = running.pop(future)
            error = future.exception()
            yield future.result() if error is None else Result(task.index, task.name, error=f"worker failed ({error})")


_halt = _queue = None


def _start_worker(halt, queue, threads: int) -> None:
    global _halt, _queue
    # The terminal sends Ctrl-C to every process; the parent decides what it means.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(threads)
    # The worker is ours and ends with the pool: what its imports made is never garbage.
    gc.freeze()
    _halt, _queue = halt, queue


def _work_in_worker(task: Task, reports: bool) -> Result:
    return work(task, (lambda p: _queue.put((task.index, p))) if reports else None, _halt.is_set)


def run_dask(
    tasks: Iterable[Task], address: str, stop: Callable[[], bool] | None = None, in_flight: int = 64
) -> Iterator[Result]:
    """Connects to the Dask scheduler at ``address`` (raising ValueError if it cannot) and returns
    the results of sending it each task, as they finish. Once ``stop()`` is True no more tasks
    are sent, those running stop early and the rest come back as not started."""
    check_address(address)
    try:
        from distributed import Client
    except ImportError:
        raise ValueError(f"Dask is not installed; {DASK_INSTALL}") from None
    try:
        client = _answered(lambda: Client(address, timeout=10, set_as_default=False))
    except (OSError, TimeoutError, ValueError) as e:
        raise ValueError(f"cannot reach it ({e})") from None
    except Exception as e:  # something else answers there: an SSH server's banner ran out of memory
        raise ValueError(f"what answers there is not a Dask scheduler ({type(e).__name__}: {e})") from None
    if client is None:
        raise ValueError(f"nothing there answered as a Dask scheduler in {ANSWER_SECONDS} s")
    return _on_cluster(client, iter(tasks), stop, in_flight)


#: Seconds a scheduler has to answer. distributed's own timeout covers reaching the address,
#: not being answered there: something that takes the connection and says nothing (a web
#: server) was waited for for ever.
ANSWER_SECONDS = 20


def _answered(connect: Callable[[], object]) -> object | None:
    """``connect()``'s client, or None where it has none within ``ANSWER_SECONDS``; the attempt
    is then left to end on its own, and a client it makes after all is closed."""
    got, late = queue.Queue(), threading.Event()

    def attempt() -> None:
        try:
            got.put((connect(), None))
        except BaseException as e:
            got.put((None, e))
        if late.is_set():
            _close_all(got)

    threading.Thread(target=attempt, name="primify-dask-connect", daemon=True).start()
    try:
        client, error = got.get(timeout=ANSWER_SECONDS)
    except queue.Empty:
        late.set()
        _close_all(got)
        return None
    if error is not None:
        raise error
    return client


def _close_all(got: queue.Queue) -> None:
    while not got.empty():
        client, _ = got.get()
        if client is not None:
            client.close()


def check_address(address: str) -> None:
    """Raises ValueError unless ``address`` looks like a scheduler's, such as tcp://10.0.0.5:8786
    (a bare word would be looked up and waited for)."""
    if not re.fullmatch(r"([a-z][a-z0-9+]*://)?[^\s/:]+:\d+/?", address):
        raise ValueError("give the scheduler's address as tcp://HOST:PORT")


def _work_on_cluster(task: Task, halt: str) -> Result:
    from distributed import Event

    _roomy_malloc()
    return work(task, stop=Event(halt).is_set)


def _roomy_malloc() -> None:
    """Dask starts its workers with MALLOC_TRIM_THRESHOLD_ set, which also pins glibc's mmap
    threshold at 128 kB: every larger tensor is then mapped and unmapped afresh, and measured
    conversions ran three times slower. Raising both thresholds to where glibc's own dynamic
    ones would go gives the speed back."""
    if os.environ.get("MALLOC_TRIM_THRESHOLD_") is None or not sys.platform.startswith("linux"):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(m_mmap_threshold, 32 << 20)
        libc.mallopt(m_trim_threshold, 64 << 20)
    except (OSError, AttributeError):
        pass


def _on_cluster(client, tasks: Iterator[Task], stop, in_flight: int) -> Iterator[Result]:
    from distributed import Event

    futures, halt = {}, Event(f"primify-stop-{uuid.uuid4()}", client=client)

    def submit() -> None:
        task = None if stop and stop() else next(tasks, None)
        if task is not None:
            futures[client.submit(_work_on_cluster, task, halt.name, pure=False)] = task

    halted = False
    with client:
        for _ in range(in_flight):
            submit()
        while futures:
            if stop and stop() and not halted:
                halt.set()  # tasks that are running stop early; those not started return at once
                halted = True
            ready = [f for f in futures if f.done()]
            if not ready:
                time.sleep(0.1)
            for future in ready:
                task = futures.pop(future)
                try:
                    yield future.result()
                except Exception as e:
                    yield Result(
                        task.index,
                        task.name,
                        error=f"cannot convert '{task.name}': the cluster said {type(e).__name__}: {e}",
                    )
                submit()
        yield from map(_not_started, tasks)
