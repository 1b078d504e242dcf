"""The third way to run many tasks (``runners`` has the two on this machine): on a Dask
cluster. Results come back as they finish; the caller writes outputs, so workers need no
access to the caller's files."""

import ctypes
import os
import queue
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator

from .runners import not_started
from .work import Result, Task, work

#: How to install what --dask needs, here and on the workers: this project's own distribution
#: (the name primify on the public index is another project).
DASK_INSTALL = "pip install 'primify-shapes[dask]', built from this project (see the README)"


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
        yield from map(not_started, tasks)
