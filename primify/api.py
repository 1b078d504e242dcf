"""The library entry point: ``convert`` an image into a ``Scene``."""

from dataclasses import fields
from typing import Callable

import numpy as np
import torch
from PIL import Image

from .imageio import to_tensor, working
from .optimize import Progress, fit
from .scene import Scene
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
            progress: Callable[[Progress], None] | None = None, **overrides) -> Scene:
    """Rebuilds ``image`` from shapes and returns the scene.

    ``settings`` holds every option (see ``Settings``); keyword ``overrides`` replace single
    fields, as in ``convert(img, shapes=500, kinds=("circle",))``. ``generator`` (a CPU
    ``torch.Generator``) makes runs repeatable; ``progress`` is called after each batch.
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
    small = working(image.convert("RGB"), settings.size)
    device = torch.device(device)
    target = to_tensor(small, device)
    if settings.background is None:
        background = target.mean(dim=(1, 2))
    else:
        background = torch.tensor(settings.background, dtype=torch.float32, device=device)
    shapes = fit(target, None, settings, generator, background, progress)
    return Scene(small.width, small.height, tuple(background.tolist()), shapes)


def psnr_of(scene: Scene, target: Image.Image) -> float:
    """PSNR in dB of the scene's 8-bit render at the target's size against the 8-bit target."""
    a = np.asarray(scene.render(max(target.size)), dtype=np.float64)
    b = np.asarray(target.convert("RGB"), dtype=np.float64)
    mse = float(((a - b) ** 2).mean())
    return 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)
