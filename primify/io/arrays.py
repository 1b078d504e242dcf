"""Numpy arrays (and torch tensors, as arrays) read as pictures: their layout, and the range of
their values by the rule of their dtype (see ``picture.picture``)."""

import numpy as np
from PIL import Image


def from_array(a: np.ndarray, channels_first: bool, what: str) -> Image.Image:
    """An array as ``picture`` reads it (H×W, H×W×C or C×H×W, a batch of one), as 8 bits."""
    shape = a.shape
    if a.ndim == 4 and channels_first and shape[0] == 1:
        a = a[0]
    if a.ndim == 3:
        first, last = shape[-3] in (1, 2, 3, 4), shape[-1] in (1, 2, 3, 4)
        if first and (channels_first or not last):
            a = np.moveaxis(a, 0, -1)
        elif not last:
            a = None
    if a is None or a.ndim not in (2, 3):
        raise ValueError(f"an array of shape {shape} is not a {what}: use H×W, H×W×C or C×H×W with C from 1 to 4")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.size == 0:
        raise ValueError(f"the {what} is empty (an array of shape {shape})")
    return eight_bits(a)


def eight_bits(a: np.ndarray) -> Image.Image:
    """8 bits, as every picture is fitted: H×W is L, then LA, RGB, RGBA by channel count."""
    return Image.fromarray(np.ascontiguousarray((_unit(a) * 255 + 0.5).astype(np.uint8)))


def _unit(a: np.ndarray) -> np.ndarray:
    """The (non-empty) array's values in [0, 1], by the rule of its dtype (see ``picture``)."""
    a = a.astype(a.dtype.newbyteorder("="), copy=False)  # big-endian uint16 (I;16B) is uint16 too
    if a.dtype == bool:
        return a.astype(np.float64)
    if a.dtype.kind == "f":
        if not np.isfinite(a).all():
            # In words for a file's pixels as well as an array's: a float TIFF comes here too.
            raise ValueError("float pixel values must lie in [0, 1] (1 is white); these include NaN or infinite ones")
        lo, hi = float(a.min()), float(a.max())
        if lo < 0 or hi > 1:
            raise ValueError(f"float pixel values must lie in [0, 1] (1 is white); these span [{lo:g}, {hi:g}]")
        return a.astype(np.float64)
    if a.dtype.kind not in "ui":
        raise TypeError(f"an array of dtype {a.dtype} is not a picture: use float, bool or integer values")
    if a.dtype in (np.uint8, np.uint16):
        return a / np.iinfo(a.dtype).max
    lo, hi = int(a.min()), int(a.max())
    if lo < 0:
        raise ValueError(f"an integer array holds values of at least 0; this one has {lo}")
    return a / (2 ** max(8, hi.bit_length()) - 1)
