"""Two ways to run many tasks on this machine: here, or in N local processes (``cluster``
has the third, on Dask). Results come back as they finish; the caller writes outputs, so
workers need no access to the caller's files."""

import gc
import os
import select
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

import torch

from ..fit.optimize import Progress
from ..startup import settle, warm, workers_context
from .signals import on_abort
from .work import Result, Task, work


def run_here(
    tasks: Iterable[Task],
    progress: Callable[[int, Progress], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Iterator[Result]:
    """Runs the tasks one after another in this process; once ``stop()`` is True the rest come
    back as not started."""
    for task in tasks:
        if stop and stop():
            yield not_started(task)
        else:
            yield work(task, progress and (lambda p, i=task.index: progress(i, p)), stop)


def not_started(task: Task) -> Result:
    """The result of a task that was never sent: Ctrl-C came first."""
    return Result(task.index, task.name, stopped=True)


def run_processes(
    tasks: Iterable[Task],
    jobs: int,
    progress: Callable[[int, Progress], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Iterator[Result]:
    """Runs ``jobs`` tasks at a time in worker processes, which share the CPU's threads. Once
    ``stop()`` is True the workers stop early and the tasks not sent come back as not started;
    an abort (a second Ctrl-C, SIGTERM) ends the workers at once. A worker that dies (killed,
    out of memory) fails only the task it ran; the others go on in a new pool."""
    # The workers are forked from a server that ignores Ctrl-C, started with it held (here, if
    # the command has not started it already). Not held while submitting: the command has other
    # threads by then (rich's), and a Ctrl-C meant for the process would go to one of them and
    # be ignored there: lost.
    warm()
    ctx = workers_context()
    halt, queue = ctx.Event(), ctx.Queue()
    threads = max(1, (os.cpu_count() or 1) // jobs)
    pools = []

    def new_pool() -> ProcessPoolExecutor:
        pools.append(
            ProcessPoolExecutor(
                jobs, mp_context=ctx, initializer=_start_worker, initargs=(halt, queue, threads, os.getpid())
            )
        )
        return pools[-1]

    running, aborted = {}, []

    def kill() -> None:
        for process in list(getattr(pools[-1], "_processes", {}).values()):
            process.terminate()

    def abort() -> None:
        aborted.append(True)
        kill()

    # The workers have the cores: this process's own renders (the outputs) take one thread, so
    # that its threads' waits between operations take no core from them.
    own = torch.get_num_threads()
    torch.set_num_threads(1)
    new_pool()
    try:
        with on_abort(abort):
            yield from _in_pool(pools, new_pool, iter(tasks), running, jobs, halt, queue, progress, stop)
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
            pools[-1].shutdown(wait=True, cancel_futures=True)
            settle()


def _in_pool(pools, new_pool, pending, running: dict, jobs: int, halt, queue, progress, stop) -> Iterator[Result]:
    # A dead worker breaks the whole pool, and every task in it fails with it, without a word
    # of which one it was. So those tasks run again, one at a time, in a new pool: one whose
    # worker dies again, alone, fails, and the others are converted.
    again: list[Task] = []
    suspects: set[int] = set()
    retried: set[int] = set()
    stalls = 0
    while True:
        broken = False
        while not halt.is_set():
            alone = any(t.index in suspects for t in [*again[:1], *running.values()])
            task = (
                None if len(running) >= (1 if alone else 2 * jobs) else again.pop(0) if again else next(pending, None)
            )
            if task is None:
                break
            try:
                running[pools[-1].submit(_work_in_worker, task, progress is not None)] = task
            except (BrokenProcessPool, EOFError, OSError):
                # A worker died between tasks, or the server they are forked from is gone (a
                # new one is started): this task never ran, and goes first to the next pool.
                again.insert(0, task)
                broken = True
                break
        if not running and not broken:
            # Once stopped, what was never sent is reported too.
            yield from map(not_started, [*again, *pending])
            return
        done = wait(running, timeout=0.1, return_when=FIRST_COMPLETED)[0] if running and not broken else set()
        while not queue.empty():
            index, p = queue.get()
            if progress:
                progress(index, p)
        if stop and stop():
            halt.set()
        if not (broken or any(isinstance(future.exception(), BrokenProcessPool) for future in done)):
            for future in done:
                task = running.pop(future)
                error = future.exception()
                stalls = 0
                if error is not None:
                    yield Result(task.index, task.name, error=f"worker failed ({error})")
                else:
                    yield _said_again(future.result(), retried)
            continue
        # Once shut down, every future of the pool is settled: those done before it broke are
        # kept. A worker that died by itself has its signal as its exit code; those the pool
        # ended after are SIGTERM's, and all are 255 where their server died (pkill -f), which
        # says nothing of any task.
        workers = list((pools[-1]._processes or {}).values())
        pools[-1].shutdown(wait=True, cancel_futures=True)
        new_pool()
        died = any(w.exitcode not in (None, 0, 255, -signal.SIGTERM) for w in workers)
        kept = [f for f in running if not f.cancelled() and f.exception() is None]
        yield from (_said_again(f.result(), retried) for f in kept)
        lost = [task for f, task in running.items() if f not in kept]
        running.clear()
        stalls = 0 if kept or died else stalls + 1
        if stalls > 3:
            # Workers cannot be had at all: what is left fails, rather than trying for ever.
            for task in [*lost, *again, *pending]:
                yield Result(task.index, task.name, error=f"cannot convert '{task.name}': {NO_WORKERS}")
            return
        for task in lost:
            if died and len(lost) == 1 and task.index in suspects:
                yield Result(task.index, task.name, error=f"cannot convert '{task.name}': {DIED}")
            else:
                suspects.update([task.index] if died else [])
                retried.add(task.index)
                again.append(task)


def _said_again(result: Result, retried: set[int]) -> Result:
    """``result``, with a note where its task was sent again: a worker of its pool ended
    abruptly before its result came back (its own, perhaps, running it, or another while it
    waited)."""
    if result.index in retried:
        result.notes.append(AGAIN)
    return result


#: The note of a picture converted again after its pool broke.
AGAIN = "converted again: a worker process ended abruptly before its result came back"
#: Why a task failed whose worker ended without a word: killed, out of memory, or a crash in C.
DIED = "the process converting it ended abruptly (killed by a signal, out of memory, or a crash)"
#: Why the tasks left fail once worker processes cannot be started, four times in a row.
NO_WORKERS = "no worker process could be started or kept running to convert it"


_halt = _queue = None


def _start_worker(halt, queue, threads: int, command: int) -> None:
    global _halt, _queue
    # The terminal sends Ctrl-C to every process; the parent decides what it means.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _end_with(command)
    torch.set_num_threads(threads)
    # The worker is ours and ends with the pool: what its imports made is never garbage.
    gc.freeze()
    _halt, _queue = halt, queue


def _end_with(command: int) -> None:
    """Ends this worker when the process of ``command`` ends. Killed with SIGKILL (by the kernel
    out of memory, or ``timeout -s KILL``), the command could not end its pool, and the workers,
    which hold their own queue's other end and the server's, waited for work for ever, with the
    server they were forked from, and their memory. Where the system cannot watch a process
    (no pidfd), they are left to their pool, as before."""
    try:
        watched = os.pidfd_open(command)
    except ProcessLookupError:  # gone already
        os._exit(1)
    except (AttributeError, OSError):
        return

    def watch() -> None:
        select.select([watched], [], [])  # readable once the process has ended
        os._exit(1)

    threading.Thread(target=watch, name="primify-command-watch", daemon=True).start()


def _work_in_worker(task: Task, reports: bool) -> Result:
    return work(task, (lambda p: _queue.put((task.index, p))) if reports else None, _halt.is_set)
