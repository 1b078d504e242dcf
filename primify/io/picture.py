"""Reading pictures of any mode Pillow knows into RGB(A), safely, and resizing them."""

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

#: Default for the largest picture, in pixels, that will be decoded (Pillow's own bomb limit).
MAX_PIXELS = 2 * Image.MAX_IMAGE_PIXELS
_bomb_check = threading.Lock()


@dataclass
class Picture:
    """A decoded input: RGB or RGBA, upright; ``size`` is the file's own size (the image may be
    decoded smaller when that is all the working size needs); ``notes`` say what was done to it."""

    image: Image.Image
    size: tuple[int, int]
    notes: list[str] = field(default_factory=list)


def load(path: str | Path, working_size: int | None = None, max_pixels: int = MAX_PIXELS) -> Picture:
    """Opens an image as RGB, or RGBA when it has transparency, upright as viewers show it.

    Refuses, before decoding, any picture of more than ``max_pixels`` pixels. JPEGs are decoded
    at the smallest scale still at least twice ``working_size``, so huge photos stay cheap.
    Raises OSError or ValueError with a reason a person can act on.
    """
    # Pillow's own bomb check would fire first with its own limit and message; ours replaces it.
    with _bomb_check:
        limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
        try:
            im = Image.open(path)
        finally:
            Image.MAX_IMAGE_PIXELS = limit
    with im:
        w, h = im.size
        if w * h > max_pixels:
            raise ValueError(f"it declares {w}×{h} = {w * h:,} pixels, over the limit of {max_pixels:,} "
                             f"(raise it with --max-pixels if the file is trusted)")
        notes = []
        if getattr(im, "n_frames", 1) > 1:
            notes.append(f"animated, using the first of {im.n_frames} frames")
            im.seek(0)
        if working_size and im.format == "JPEG":
            im.draft("RGB", (2 * working_size, 2 * working_size))
        im = ImageOps.exif_transpose(im)
        return Picture(normalize(im), (w, h), notes)


def normalize(im: Image.Image) -> Image.Image:
    """Any mode to 8-bit RGB, or RGBA when the picture has transparency."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        a = np.asarray(im, dtype=np.float64)
        # 16-bit images hold 0..65535; Pillow's own conversion would clip them to white.
        top = 65535.0 if im.mode.startswith("I;16") or a.max() > 255 else 255.0
        im = Image.fromarray(np.clip(a / top * 255 + 0.5, 0, 255).astype(np.uint8), "L")
    transparent = im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in im.info
    return im.convert("RGBA" if transparent else "RGB")


def working(image: Image.Image, size: int) -> Image.Image:
    """``image`` resized with LANCZOS so its longer side is ``size`` (short side rounded)."""
    w, h = image.size
    long_side = max(w, h)
    target = (max(1, round(w * size / long_side)), max(1, round(h * size / long_side)))
    return image if target == image.size else image.resize(target, Image.LANCZOS)


def to_tensor(image: Image.Image, device: torch.device | str = "cpu") -> torch.Tensor:
    """L, RGB or RGBA image to a float (C, H, W) tensor in [0, 1]."""
    a = np.atleast_3d(np.asarray(image, dtype=np.float32) / 255.0)
    return torch.from_numpy(a).permute(2, 0, 1).contiguous().to(device)
