"""The library entry point: ``convert`` an image into a ``Scene``."""

import warnings
from dataclasses import fields
from typing import Callable

import numpy as np
import torch
from PIL import Image

from .fit.optimize import Progress, fit
from .fit.palette import kmeans
from .io.picture import normalize, to_tensor, working
from .model import Scene
from .settings import Settings


def pick_device(name: str = "auto") -> torch.device:
    """``auto`` is CUDA when torch sees a GPU, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for, but torch sees no CUDA GPU")
    return torch.device(name)


def convert(image: Image.Image | np.ndarray, settings: Settings | None = None, *,
            device: torch.device | str = "cpu", generator: torch.Generator | None = None,
            progress: Callable[[Progress], None] | None = None, stop: Callable[[], bool] | None = None,
            mask: Image.Image | None = None, init: Scene | None = None, **overrides) -> Scene:
    """Rebuilds ``image`` from shapes and returns the scene.

    ``settings`` holds every option (see ``Settings``); keyword ``overrides`` replace single
    fields, as in ``convert(img, shapes=500, kinds=("circle",))``. ``generator`` (a CPU
    ``torch.Generator``) makes runs repeatable; ``progress`` is called after each batch;
    ``stop`` is asked between batches and, when it answers True, the shapes so far are kept.
    ``mask`` weights each pixel's error by its brightness (white counts fully, black not at
    all), so detail goes where it is white. Transparent pixels count for nothing in the fit
    and show the background; with ``background="transparent"`` the shapes are fitted to the
    picture's colour and alpha together and the scene's background is None (see ``Scene``).
    ``init`` is a scene to start from: its shapes and background are kept, more shapes are
    added up to ``settings.shapes`` in all, and it must have the picture's aspect ratio.
    Running out of memory on a GPU warns (RuntimeWarning) and starts again on the CPU.
    """
    settings = settings or Settings()
    known = {f.name for f in fields(Settings)}
    unknown = set(overrides) - known
    if unknown:
        raise TypeError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    settings = Settings(**{**settings.__dict__, **overrides})
    if generator is None:
        generator = torch.Generator().manual_seed(0)
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    small = working(normalize(image), settings.size)
    if isinstance(settings.palette, int):
        pixels = to_tensor(small.convert("RGB")).flatten(1).T
        if settings.background == "transparent" and small.mode == "RGBA":
            # Over nothing, colours of pixels no one sees would only waste palette places.
            seen = to_tensor(small)[3].flatten() >= 0.5
            pixels = pixels[seen] if seen.any() else pixels
        colours = kmeans(pixels, settings.palette, generator)
        settings = Settings(**{**settings.__dict__, "palette": tuple(map(tuple, colours.tolist()))})
    if mask is not None:
        mask = mask.convert("L").resize(small.size, Image.LANCZOS)
    if init is not None and abs(init.width / init.height - small.width / small.height) > 0.02 * small.width / small.height:
        raise ValueError(f"the starting scene is {init.width}×{init.height}, not the picture's shape ({small.width}×{small.height})")
    device = torch.device(device)
    seed_state = generator.get_state()
    try:
        return _convert(small, mask, init, settings, device, generator, progress, stop)
    except torch.OutOfMemoryError:
        if device.type == "cpu":
            raise
        if device.type == "cuda":
            torch.cuda.empty_cache()
        warnings.warn(f"out of memory on {device}; starting again on the CPU", RuntimeWarning, stacklevel=2)
        generator.set_state(seed_state)
        return _convert(small, mask, init, settings, torch.device("cpu"), generator, progress, stop)


def _convert(small: Image.Image, mask: Image.Image | None, init: Scene | None, settings: Settings, device: torch.device,
             generator: torch.Generator, progress, stop) -> Scene:
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
        shapes = fit(target, importance, settings, generator, torch.zeros(4, device=device), progress, stop, kept)
        return Scene(small.width, small.height, None, shapes)
    weight = opacity
    if importance is not None:
        weight = importance if weight is None else weight * importance
    if init is not None:
        background = torch.tensor(init.background, dtype=torch.float32, device=device)
    elif settings.background is not None:
        background = torch.tensor(settings.background, dtype=torch.float32, device=device)
    elif weight is not None:
        background = (rgb * weight).sum(dim=(1, 2)) / weight.sum().clamp_min(1e-6)
    else:
        background = rgb.mean(dim=(1, 2))
    if settings.palette is not None and settings.background is None and init is None:
        palette = torch.tensor(settings.palette, device=device)
        background = palette[(palette - background).norm(dim=1).argmin()]
    target = rgb if opacity is None else rgb * opacity + background[:, None, None] * (1 - opacity)
    shapes = fit(target, weight, settings, generator, background, progress, stop, kept)
    return Scene(small.width, small.height, tuple(background.tolist()), shapes)
