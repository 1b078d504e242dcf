"""One image's conversion as a task: ``work`` turns a ``Task`` into a ``Result``; any failure
becomes the result's error, one sentence, so one image never sinks a batch."""

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from PIL import Image

from .. import api
from ..fit.metrics import psnr_of
from ..fit.optimize import Progress
from ..io.formats import over_limit
from ..io.picture import MAX_PIXELS, load, working
from ..io.reasons import reason
from ..model import Scene
from ..render.sizes import same_shape, size_for
from ..settings import Settings


@dataclass
class Task:
    """One image to convert; everything in it can be pickled and sent to another machine.
    ``raster``: the longer side of the largest raster drawn of it (None: none is larger than
    its own size), refused before converting where that makes more than ``max_pixels`` pixels."""

    index: int
    name: str
    data: bytes
    settings: Settings
    seed: int = 0
    device: str = "auto"
    max_pixels: int = MAX_PIXELS
    mask: Image.Image | None = None
    init: Scene | None = None
    raster: int | None = None
    #: Whether few shapes' second search may run in a forked process (``api.convert``'s ``fork``):
    #: the command line's choice, except on Dask, whose workers run threads of their own.
    fork: bool = False


@dataclass
class Result:
    """What became of a task: a scene or an error, and how it went; ``size`` is the input's own
    size. ``stopped`` with no scene means that Ctrl-C came before it started."""

    index: int
    name: str
    scene: Scene | None = None
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
        """ok, stopped (early, by Ctrl-C), not_started (Ctrl-C came first), skipped (nothing to do) or error."""
        if self.error:
            return "error"
        if self.stopped:
            return "stopped" if self.scene else "not_started"
        return "skipped" if self.scene is None else "ok"

    @property
    def kinds(self) -> dict[str, int]:
        """How many shapes of each kind the scene has, in order of first use."""
        kinds: dict[str, int] = {}
        for s in self.scene.shapes if self.scene else ():
            kinds[s.kind] = kinds.get(s.kind, 0) + 1
        return kinds


def work(
    task: Task, progress: Callable[[Progress], None] | None = None, stop: Callable[[], bool] | None = None
) -> Result:
    """Converts one task's image; any failure becomes the result's ``error``, one sentence."""
    started = time.perf_counter()
    result = Result(task.index, task.name)
    if stop and stop():
        result.stopped = True
        return result
    try:
        # Pillow warns of a file's damaged parts (its EXIF data, say) on standard error, naming no
        # file, through -q, once from each worker: here they are the picture's warnings.
        with warnings.catch_warnings(record=True) as reading:
            warnings.simplefilter("always")
            pic = load(task.data, task.settings.size, task.max_pixels)
    except Exception as e:  # Pillow's decoders raise SyntaxError, EOFError, struct.error... on damaged files
        result.error = f"cannot read '{task.name}': {reason(e)}"
        return result
    result.notes, result.size = pic.notes, pic.size
    read = list(dict.fromkeys(" ".join(str(w.message).split()) for w in reading))
    if task.raster is not None and (why := over_limit(*size_for(*pic.size, task.raster), task.max_pixels, "it")):
        result.error = f"cannot convert '{task.name}': {why}"
        return result
    try:
        # Matched against the file's own size here: a JPEG is decoded at a smaller scale, and the
        # library's check would give that as the picture's size.
        if task.mask is not None:
            same_shape("the mask", task.mask.size, pic.size)
        if task.init is not None:
            same_shape("the starting scene", (task.init.width, task.init.height), pic.size)
        dev = api.pick_device(task.device)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            scene = api.convert(
                pic.image,
                task.settings,
                device=dev,
                generator=torch.Generator().manual_seed(task.seed),
                progress=progress,
                stop=stop,
                mask=task.mask,
                init=task.init,
                fork=task.fork,
            )
        # The picture was given decoded, a JPEG perhaps at a smaller scale: its own size is the file's.
        scene.source = pic.size
        result.warnings = read + [str(w.message) for w in caught]
        result.scene, result.device, result.stopped = scene, dev.type, bool(stop and stop())
        result.psnr = psnr_of(scene, working(pic.image, task.settings.size))
        goal, asked = task.settings.target_psnr, task.settings.shapes
        if not result.stopped and len(scene.shapes) < asked and (goal is None or result.psnr < goal):
            result.notes.append(f"{len(scene.shapes)} of {asked} shapes: no shape lowers the error any further")
    except ValueError as e:
        result.error = f"cannot convert '{task.name}': {e}"
    except Exception as e:  # one image's bug must not sink the batch
        result.error = f"cannot convert '{task.name}': internal error ({type(e).__name__}: {e})"
    result.seconds = time.perf_counter() - started
    return result
