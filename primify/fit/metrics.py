"""How close a picture is to its target: PSNR in dB, for the optimizer's canvas and for the
written output alike, with one rule for transparency."""

import math

import numpy as np
import torch
from PIL import Image

from ..io.picture import normalize
from ..render import hard
from ..render.hard import flatten


def decibels(mse: float) -> float:
    """PSNR in dB of a mean squared error on the [0, 1] scale; 99 for a perfect match."""
    return 99.0 if mse <= 1e-10 else -10 * math.log10(mse)


def psnr(canvas: torch.Tensor, target: torch.Tensor) -> float:
    """PSNR in dB of ``canvas`` against ``target``, both (C, H, W) in [0, 1]; premultiplied RGBA
    is laid over black and over white, both counting, as ``psnr_of`` measures the output."""
    if len(canvas) == 4:
        d = canvas - target
        return decibels(((d[:3] ** 2 + (d[:3] - d[3:]) ** 2) / 2).mean().item())
    return decibels(((canvas - target) ** 2).mean().item())


def psnr_of(scene, target: Image.Image) -> float:
    """PSNR in dB of the scene's 8-bit render at the target's size against the 8-bit target
    (its transparency, if any, over the scene's background). A transparent scene and the
    target are compared laid over black and over white, both counting, so that colour and
    opacity errors both show."""
    # At the target's exact size: a scene renders at a longer side in its source's proportions,
    # which the target (a working size, from a JPEG decoded small) may round otherwise.
    render = hard.render(scene, size=target.size)
    target = normalize(target)
    grounds = [scene.background] if scene.background is not None else [(0.0, 0.0, 0.0), (1.0, 1.0, 1.0)]
    mse = 0.0
    for ground in grounds:
        a = np.asarray(flatten(render, ground), dtype=np.float64)
        b = np.asarray(flatten(target, ground), dtype=np.float64)
        mse += float(((a - b) ** 2).mean()) / len(grounds)
    return decibels(mse / 255.0**2)
