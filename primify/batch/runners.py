"""Three ways to run many tasks: here, in N local processes, or on a Dask cluster. Results come
back as they finish; the caller writes outputs, so workers need no access to the caller's files."""

import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Callable, Iterable, Iterator

import torch

from ..fit.optimize import Progress
from .work import Result, Task, work


def run_here(tasks: Iterable[Task], progress: Callable[[int, Progress], None] | None = None,
             stop: Callable[[], bool] | None = None) -> Iterator[Result]:
    """Runs the tasks one after another in this process."""
    for task in tasks:
        if stop and stop():
            return
        yield work(task, progress and (lambda p, i=task.index: progress(i, p)), stop)


def run_processes(tasks: Iterable[Task], jobs: int, progress: Callable[[int, Progress], None] | None = None,
                  stop: Callable[[], bool] | None = None) -> Iterator[Result]:
    """Runs ``jobs`` tasks at a time in worker processes, which share the CPU's threads."""
    ctx = multiprocessing.get_context("spawn")
    halt, queue = ctx.Event(), ctx.Queue()
    threads = max(1, (os.cpu_count() or 1) // jobs)
    pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_start_worker, initargs=(halt, queue, threads))
    pending = iter(tasks)
    running = {}
    try:
        while True:
            while len(running) < 2 * jobs and not halt.is_set():
                task = next(pending, None)
                if task is None:
                    break
                running[pool.submit(_work_in_worker, task)] = task
            if not running:
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
    finally:
        # Work still running here means an abort: the workers are stopped, not waited for.
        for process in list(getattr(pool, "_processes", {}).values()) if running else []:
            process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


_halt = _queue = None


def _start_worker(halt, queue, threads: int) -> None:
    global _halt, _queue
    # The terminal sends Ctrl-C to every process; the parent decides what it means.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(threads)
    _halt, _queue = halt, queue


def _work_in_worker(task: Task) -> Result:
    return work(task, lambda p: _queue.put((task.index, p)), _halt.is_set)


def run_dask(tasks: Iterable[Task], address: str, stop: Callable[[], bool] | None = None,
             in_flight: int = 64) -> Iterator[Result]:
    """Connects to the Dask scheduler at ``address`` (raising ValueError if it cannot) and returns
    the results of sending it each task, as they finish. Once ``stop()`` is True no more tasks
    are sent; those already sent finish."""
    try:
        from distributed import Client
    except ImportError:
        raise ValueError("Dask is not installed; pip install 'primify[dask]'") from None
    try:
        client = Client(address, timeout=10, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as e:
        raise ValueError(f"cannot reach it ({e})") from None
    return _on_cluster(client, iter(tasks), stop, in_flight)


def _work_on_cluster(task: Task) -> Result:
    _roomy_malloc()
    return work(task)


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
    from distributed import as_completed

    futures = {}

    def submit() -> list:
        task = None if stop and stop() else next(tasks, None)
        if task is None:
            return []
        future = client.submit(_work_on_cluster, task, pure=False)
        futures[future] = task
        return [future]

    with client:
        done = as_completed([f for _ in range(in_flight) for f in submit()], loop=client.loop)
        for future in done:
            task = futures.pop(future)
            try:
                yield future.result()
            except Exception as e:
                yield Result(task.index, task.name, error=f"cannot convert '{task.name}': the cluster said {type(e).__name__}: {e}")
            done.update(submit())
