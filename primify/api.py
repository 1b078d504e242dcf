"""The library entry point: ``convert`` an image into a ``Scene``."""

import enum
import inspect
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields, replace
from typing import Any, BinaryIO, Union

import numpy as np
import torch
from PIL import Image

from .arguments import KEPT, callbacks, contradicted, latched, pick_device, settings_of
from .fit.optimize import Interrupted, Progress, fit
from .fit.palette import kmeans
from .fit.threads import own_threads, threads
from .io.picture import picture, sized, to_tensor, working
from .model import Scene
from .render.sizes import same_shape
from .settings import Settings


class _Keep(enum.Enum):
    """The default of ``convert``'s option keywords: keep what ``settings`` says."""

    KEEP = "from settings"

    def __repr__(self) -> str:
        return "<from settings>"


KEEP = _Keep.KEEP
#: What ``convert`` takes as a picture or a mask (see ``io.picture.picture`` for the rule).
PictureLike = Union[Image.Image, str, os.PathLike, bytes, bytearray, memoryview, BinaryIO, np.ndarray, torch.Tensor]
ColourLike = Union[str, Sequence[float]]


def convert(
    image: PictureLike,
    settings: Settings | Mapping[str, Any] | None = None,
    *,
    shapes: int | _Keep = KEEP,
    target_psnr: float | None | _Keep = KEEP,
    kinds: str | Sequence[str] | _Keep = KEEP,
    size: int | _Keep = KEEP,
    alpha: float | None | _Keep = KEEP,
    background: ColourLike | None | _Keep = KEEP,
    palette: int | str | Sequence[ColourLike] | None | _Keep = KEEP,
    edge: str | _Keep = KEEP,
    effort: str | _Keep = KEEP,
    few_shapes: int | _Keep = KEEP,
    search_scale: int | _Keep = KEEP,
    regrow: int | _Keep = KEEP,
    searches: int | _Keep = KEEP,
    steps: int | _Keep = KEEP,
    candidates: int | _Keep = KEEP,
    temperature_start: float | _Keep = KEEP,
    temperature_end: float | _Keep = KEEP,
    max_batch: int | _Keep = KEEP,
    batch_growth: float | _Keep = KEEP,
    min_size: float | _Keep = KEEP,
    alpha_init: float | _Keep = KEEP,
    lr_geometry: float | _Keep = KEEP,
    lr_colour: float | _Keep = KEEP,
    lr_alpha: float | _Keep = KEEP,
    polish_steps: int | None | _Keep = KEEP,
    polish_mixed: int | _Keep = KEEP,
    lr_polish: float | _Keep = KEEP,
    lr_polish_colour: float | _Keep = KEEP,
    tile: int | _Keep = KEEP,
    device: torch.device | str = "cpu",
    generator: torch.Generator | None = None,
    progress: Callable[[Progress], None] | None = None,
    stop: Callable[[], bool] | None = None,
    mask: PictureLike | None = None,
    init: Scene | None = None,
    fork: bool = False,
) -> Scene:
    """Rebuilds ``image`` from shapes and returns the scene.

    ``image`` is a PIL image, a path (read as the command line reads files: upright, by EXIF),
    an encoded picture's bytes or a binary file object (read as such a file is), a numpy array
    or a torch tensor; see ``primify.io.picture.picture`` for the layouts and the
    rule that turns each dtype into a range. ``settings`` (a ``Settings``, or a dict of its
    fields) holds every option; a keyword named after a field replaces that one, as in
    ``convert(img, shapes=500, kinds="triangle,circle")``; the first nine are the user's
    options, the rest tuning knobs. Everything is checked before any work: a wrong value is a
    ValueError or TypeError naming the option.

    ``device`` is a torch device or its name ("cpu", "cuda", "cuda:1", "mps"; "auto" is CUDA
    when torch sees a GPU) that torch can compute on here.
    ``generator`` (a CPU ``torch.Generator``) makes runs repeatable (default: seed 0);
    ``progress`` is called with a ``Progress`` after each batch; ``stop`` is asked between
    batches and, once it answers True (it is not asked again), the shapes so far are kept. Ctrl-C (Jupyter's stop
    button) raises ``primify.Interrupted``, a KeyboardInterrupt whose ``scene`` holds the
    shapes placed so far. Gradients are turned on for primify's own work even inside
    ``torch.no_grad()`` or ``torch.inference_mode()``, and the caller's mode is left as it was.

    ``mask`` (any picture ``image`` may be, of the picture's aspect ratio) weights each
    pixel's error by its brightness (white counts fully, black 5 %), so detail goes where it
    is white. Transparent pixels count for nothing in the fit and show the background; with
    ``background="transparent"`` the shapes are fitted to the picture's colour and alpha
    together and the scene's background is None (see ``Scene``). ``init`` is a scene to start
    from: its background is kept, more shapes are added up to ``shapes`` in all (so it may
    hold no more than that), and its shapes are refined with them at the end, their opacities
    and colours too unless ``alpha`` or ``palette`` holds them (give the ones it was made with;
    others that its shapes do not follow are refused); it must have the picture's aspect
    ratio. Running out of memory on a GPU warns (RuntimeWarning) and starts again on the CPU.

    ``fork``: on Linux and the CPU, the second of few shapes' searches (``Settings.searches``)
    runs in a process forked for it, beside the first, rather than after it: the same scene, in
    about the time of one search where a core is spare. Off by default, for the program that
    owns the process to choose, as the command line does.
    """
    # The option keywords are named after the fields, so the ones given are read back by name.
    given = {k: v for k, v in locals().items() if k in _FIELDS and v is not KEEP}
    settings = settings_of(settings, _FIELDS, _ARGUMENTS)
    settings = replace(settings, **given)
    device = pick_device(device)
    if generator is None:
        generator = torch.Generator().manual_seed(0)
    callbacks(generator, progress, stop, init, settings.shapes)
    stop = latched(stop)
    full, own = sized(image, settings.size)
    small = working(full, settings.size)
    # Masks and scenes are matched against the input's own aspect ratio, which the working
    # size's rounding only comes near.
    if mask is not None:
        mask = picture(mask, None, "mask").convert("L")  # whole: its size names it where it is refused
        same_shape("the mask", mask.size, own)
        mask = mask.resize(small.size, Image.LANCZOS)
    if init is not None:
        same_shape("the starting scene", (init.width, init.height), own)
    # The caller may be inside no_grad or inference_mode; primify's own work needs gradients,
    # and leaving these blocks restores the caller's modes (and thread count).
    with torch.inference_mode(False), torch.enable_grad(), threads(own_threads()):
        picked = isinstance(settings.palette, int)
        if picked:
            settings = replace(settings, palette=_palette(small, settings, generator))
        if init is not None and (kept := contradicted(init, settings)):
            # Colours picked from the picture are a scene's only where its picture and seed pick them.
            what = KEPT[kept] + (f" (the {len(settings.palette)} picked)" if picked and kept == "palette" else "")
            raise ValueError(f"{kept}: init has {what}, which it keeps; leave {kept} out")
        seed_state = generator.get_state()
        try:
            return _convert(small, own, mask, init, settings, device, generator, progress, stop, fork)
        except torch.OutOfMemoryError:
            if device.type == "cpu":
                raise
            if device.type == "cuda":
                torch.cuda.empty_cache()
            warnings.warn(f"out of memory on {device}; starting again on the CPU", RuntimeWarning, stacklevel=2)
            generator.set_state(seed_state)
            return _convert(small, own, mask, init, settings, torch.device("cpu"), generator, progress, stop, fork)


_FIELDS = frozenset(f.name for f in fields(Settings))
#: What ``convert`` takes beside the settings, which a dict of settings may be given by mistake.
_ARGUMENTS = frozenset(inspect.signature(convert).parameters) - _FIELDS


def _palette(small: Image.Image, settings: Settings, generator: torch.Generator) -> tuple:
    """``settings.palette`` colours picked from the picture (k-means)."""
    pixels = to_tensor(small.convert("RGB")).flatten(1).T
    if settings.background == "transparent" and small.mode == "RGBA":
        # Over nothing, colours of pixels no one sees would only waste palette places.
        seen = to_tensor(small)[3].flatten() >= 0.5
        pixels = pixels[seen] if seen.any() else pixels
    return tuple(map(tuple, kmeans(pixels, settings.palette, generator).tolist()))


def _convert(
    small: Image.Image,
    own: tuple[int, int],
    mask: Image.Image | None,
    init: Scene | None,
    settings: Settings,
    device: torch.device,
    generator: torch.Generator,
    progress,
    stop,
    fork: bool = False,
) -> Scene:
    pixels = to_tensor(small, device)
    rgb, opacity = pixels[:3], (pixels[3] if len(pixels) == 4 else None)
    # A little weight everywhere keeps the masked-out parts from being left as they are.
    importance = None if mask is None else 0.05 + 0.95 * to_tensor(mask, device)[0]
    kept = init.shapes if init else ()
    if (init.background is None) if init else settings.background == "transparent":
        # Premultiplied RGBA over nothing. Its error weights colour by the input's opacity by
        # itself, and its alpha channel charges paint spilt where the input is transparent,
        # which no later shape can take away again.
        opacity = torch.ones_like(rgb[0]) if opacity is None else opacity
        target = torch.cat([rgb * opacity, opacity[None]])
        nothing = torch.zeros(4, dtype=target.dtype, device=device)
        return _scene(
            small,
            own,
            None,
            lambda: fit(target, importance, settings, generator, nothing, progress, stop, kept, beside=fork),
        )
    # Over a chosen colour the picture is fitted as it is seen over it; with its own mean colour
    # (auto) transparent pixels count for nothing.
    weight = opacity if settings.background is None else None
    if importance is not None:
        weight = importance if weight is None else weight * importance
    if init is not None:
        background = torch.tensor(init.background, dtype=torch.float32, device=device)
    elif settings.background is not None:
        background = torch.tensor(settings.background, dtype=torch.float32, device=device)
    elif weight is not None:
        # Rounding can carry a mean of pure colour a hair past 1, which no scene may hold.
        background = ((rgb * weight).sum(dim=(1, 2)) / weight.sum().clamp_min(1e-6)).clamp(0, 1)
    else:
        background = rgb.mean(dim=(1, 2))
    if settings.palette is not None and settings.background is None and init is None:
        palette = torch.tensor(settings.palette, dtype=rgb.dtype, device=device)
        background = palette[(palette - background).norm(dim=1).argmin()]
    target = rgb if opacity is None else rgb * opacity + background[:, None, None] * (1 - opacity)
    # The mean colour is only a start: an opaque picture's background is then fitted with the
    # shapes' colours (a translucent one's target is made with it, so there it stays).
    free = init is None and settings.background is None and (opacity is None or bool((opacity == 1).all()))
    return _scene(
        small,
        own,
        background,
        lambda: fit(target, weight, settings, generator, background, progress, stop, kept, free, fork),
    )


def _scene(
    small: Image.Image, own: tuple[int, int], background: torch.Tensor | None, fitted: Callable[[], tuple]
) -> Scene:
    """The scene of the (background, shapes) that ``fitted()`` returns (None: transparent, as
    ``background`` is), whose ``source`` is ``own``, the picture's own size; on Ctrl-C, the scene
    of the last shapes reported, over the background they were fitted over, goes with the
    ``Interrupted`` exception."""
    make = lambda ground, shapes: Scene(
        small.width, small.height, None if background is None else tuple(ground.tolist()), shapes, own
    )
    try:
        return make(*fitted())
    except Interrupted as e:
        raise Interrupted(e.shapes, e.background, make(e.background, e.shapes)) from e
