"""Converting many images: one ``work`` function that turns a task into a result, and three ways
to run it (here, in N local processes, or on a Dask cluster). Results come back as they finish;
the caller writes outputs, so workers need no access to the caller's files."""

import ctypes
import io
import multiprocessing
import os
import signal
import sys
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

import torch
from PIL import Image, UnidentifiedImageError

from . import api
from .imageio import MAX_PIXELS, load, working
from .optimize import Progress
from .scenefile import from_dict, to_dict
from .settings import Settings
from .shapes import parse_kinds


@dataclass
class Task:
    """One image to convert; everything in it can be pickled and sent to another machine."""

    index: int
    name: str
    data: bytes
    settings: Settings
    seed: int = 0
    device: str = "auto"
    max_pixels: int = MAX_PIXELS
    mask: Image.Image | None = None
    init: dict | None = None


@dataclass
class Result:
    """What became of a task: a scene (as ``scenefile`` data) or an error, and how it went;
    ``size`` is the input's own size."""

    index: int
    name: str
    scene: dict | None = None
    psnr: float | None = None
    seconds: float = 0.0
    device: str | None = None
    stopped: bool = False
    error: str | None = None
    size: tuple[int, int] | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """ok, stopped (early, by the user), skipped (nothing to do) or error."""
        return "error" if self.error else "stopped" if self.stopped else "skipped" if self.scene is None else "ok"

    @property
    def kinds(self) -> dict[str, int]:
        """How many shapes of each kind the scene has, in order of first use."""
        kinds: dict[str, int] = {}
        for s in (self.scene or {}).get("shapes", []):
            kinds[s["kind"]] = kinds.get(s["kind"], 0) + 1
        return kinds


def work(task: Task, progress: Callable[[Progress], None] | None = None, stop: Callable[[], bool] | None = None) -> Result:
    """Converts one task's image; any failure becomes the result's ``error``, one sentence."""
    started = time.perf_counter()
    result = Result(task.index, task.name)
    if stop and stop():
        result.stopped = True
        return result
    try:
        pic = load(io.BytesIO(task.data), task.settings.size, task.max_pixels)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as e:
        result.error = f"cannot read '{task.name}': {reason(e)}"
        return result
    result.notes, result.size = pic.notes, pic.size
    try:
        parse_kinds(",".join(task.settings.kinds))
        dev = api.pick_device(task.device)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            scene = api.convert(pic.image, task.settings, device=dev, generator=torch.Generator().manual_seed(task.seed),
                                progress=progress, stop=stop, mask=task.mask,
                                init=from_dict(task.init) if task.init else None)
        result.warnings = [str(w.message) for w in caught]
        result.scene, result.device, result.stopped = to_dict(scene), dev.type, bool(stop and stop())
        result.psnr = api.psnr_of(scene, working(pic.image, task.settings.size))
    except ValueError as e:
        result.error = f"cannot convert '{task.name}': {e}"
    except Exception as e:  # one image's bug must not sink the batch
        result.error = f"cannot convert '{task.name}': internal error ({type(e).__name__}: {e})"
    result.seconds = time.perf_counter() - started
    return result


def reason(e: Exception) -> str:
    """A reading error as a reason a person can act on."""
    if isinstance(e, FileNotFoundError):
        return "no such file"
    if isinstance(e, IsADirectoryError):
        return "it is a folder, not a file"
    if isinstance(e, PermissionError):
        return "permission denied"
    if isinstance(e, UnidentifiedImageError):
        return "not an image that Pillow can read"
    return str(e).split("\n")[0]


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
