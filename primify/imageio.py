"""Reading pictures into tensors and writing outputs."""

from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps


def load(path: str | Path) -> Image.Image:
    """Opens an image as RGB, upright as viewers show it."""
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        return im.convert("RGB")


def working(image: Image.Image, size: int) -> Image.Image:
    """``image`` resized with LANCZOS so its longer side is ``size`` (short side rounded)."""
    w, h = image.size
    long_side = max(w, h)
    target = (max(1, round(w * size / long_side)), max(1, round(h * size / long_side)))
    return image if target == image.size else image.resize(target, Image.LANCZOS)


def to_tensor(image: Image.Image, device: torch.device | str = "cpu") -> torch.Tensor:
    """RGB image to a float (3, H, W) tensor in [0, 1]."""
    a = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    return torch.from_numpy(a).permute(2, 0, 1).contiguous().to(device)
