"""Reading pictures of any mode Pillow knows into RGB(A), safely, and resizing them."""

import io
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch
from PIL import Image, ImageCms, ImageOps

from ..render.sizes import size_for
from .arrays import eight_bits, from_array
from .reasons import reason

#: Default for the largest picture, in pixels, that will be decoded (Pillow's own bomb limit).
MAX_PIXELS = 2 * Image.MAX_IMAGE_PIXELS
_bomb_check = threading.Lock()
#: The EXIF tag that says how a picture is turned.
ORIENTATION = 0x0112
#: The image modes a colour profile of each colour space applies to.
_PROFILE_MODES = {"RGB ": ("RGB", "RGBA"), "CMYK": ("CMYK",), "GRAY": ("L", "LA")}
_SRGB = ImageCms.createProfile("sRGB")


@dataclass
class Picture:
    """A decoded input: RGB or RGBA in sRGB, upright; ``size`` is its own size, upright (the image
    may be decoded smaller when that is all the working size needs); ``notes`` say what was done to it."""

    image: Image.Image
    size: tuple[int, int]
    notes: list[str] = field(default_factory=list)


#: A picture file's contents, as ``load`` takes them: never a path, though Pillow reads bytes as one.
CONTENTS = (bytes, bytearray, memoryview)


def load(path: str | Path | bytes | BinaryIO, working_size: int | None = None, max_pixels: int = MAX_PIXELS) -> Picture:
    """Opens an image (a path, a file's ``CONTENTS`` or a binary file object) as RGB, or RGBA
    when it has transparency, upright as viewers show it.

    Refuses, before decoding, any picture of more than ``max_pixels`` pixels. JPEGs are decoded
    at the smallest scale still at least twice ``working_size``, so huge photos stay cheap.
    Raises OSError or ValueError, which ``io.reasons.reason`` puts in words a person can act on.
    """
    path = io.BytesIO(path) if isinstance(path, CONTENTS) else path
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
            raise ValueError(
                f"it declares {w}×{h} = {w * h:,} pixels, over the limit of {max_pixels:,} "
                f"(if the file is trusted, raise the limit: --max-pixels, or primify.open's max_pixels)"
            )
        notes = []
        if getattr(im, "n_frames", 1) > 1:
            notes.append(f"animated, using the first of {im.n_frames} frames")
            im.seek(0)
        if working_size and im.format == "JPEG":
            im.draft("RGB", (2 * working_size, 2 * working_size))
        if im.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8):  # turned a quarter: seen as h × w
            w, h = h, w
        im = ImageOps.exif_transpose(im)
        return Picture(normalize(im), (w, h), notes)


#: What ``picture`` (and so ``primify.convert``) takes, for its TypeError.
ACCEPTED = (
    "a PIL image, a path (str or os.PathLike), a file's bytes or a binary file object, a numpy array "
    "(H×W, H×W×C or C×H×W, C from 1 to 4) or a torch tensor (C×H×W, 1×C×H×W or H×W)"
)


def open_picture(path: str | os.PathLike | bytes | BinaryIO, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """The picture at ``path`` (or in a file's bytes or a binary file object) as the command line
    reads it: RGB, or RGBA when it has transparency, upright as viewers show it (EXIF
    orientation applied). Raises ValueError for a file that is no picture Pillow reads whole."""
    return _loaded(path, None, max_pixels).image


def picture(image, working_size: int | None = None, what: str = "picture") -> Image.Image:
    """Any picture the library takes, as 8-bit RGB or RGBA (see ``normalize``).

    - a PIL image, any mode, as ``normalize`` reads it: deep gray (modes F, I and I;16) by the
      rule of its numpy dtype below, as the same data in an array would be;
    - a path, read by ``load`` as the command line reads files (so EXIF rotation matches);
    - an encoded picture's bytes (``bytes``, ``bytearray``, ``memoryview``: a file's contents, an
      upload's, ``requests``' ``content``; not a path, as Pillow would take bytes) or a binary
      file object open for reading, read by ``load`` as a file of those bytes is;
    - a numpy array or torch tensor: H×W (gray), H×W×C or C×H×W with C = 1 (gray), 2 (gray and
      alpha), 3 (RGB) or 4 (RGBA); numpy arrays are read as H×W×C when both fit, tensors as
      C×H×W (torchvision's order), and a tensor may hold a batch of one (1×C×H×W). The dtype
      gives the range, as ``skimage.img_as_float`` does: floats hold [0, 1], bool False/True,
      uint8 0..255 and uint16 0..65535. Other integer types (int16, int32, int64, uint32) hold
      no range of their own; they are read as having the fewest bits, 8 or more, that hold
      their largest value (12-bit data, up to 4095, is divided by 4095). Values outside the
      range, NaN and negative integers are refused.

    Raises TypeError for anything else and ValueError for an empty picture or an array that
    is not one.
    """
    return sized(image, working_size, what)[0]


def sized(image, working_size: int | None = None, what: str = "picture") -> tuple[Image.Image, tuple[int, int]]:
    """``picture``'s image, and the picture's own (width, height), which a JPEG decoded at a
    smaller scale (see ``load``) does not keep."""
    # A text file object has read() too, but no picture in it.
    if isinstance(image, (str, os.PathLike, *CONTENTS)) or (
        hasattr(image, "read") and not isinstance(image, io.TextIOBase)
    ):
        pic = _loaded(image, working_size, what=what)
        return pic.image, pic.size
    if isinstance(image, torch.Tensor):
        t = image.detach().cpu()
        # numpy has no bfloat16; any float tensor reads the same as float32.
        image = from_array((t.float() if t.is_floating_point() else t).numpy(), channels_first=True, what=what)
    elif isinstance(image, np.ndarray):
        image = from_array(image, channels_first=False, what=what)
    elif not isinstance(image, Image.Image):
        raise TypeError(f"the {what} must be {ACCEPTED}, not {type(image).__name__}")
    if 0 in image.size:
        raise ValueError(f"the {what} is empty ({image.width}×{image.height} pixels)")
    image = normalize(image)
    return image, image.size


def _loaded(source, working_size: int | None, max_pixels: int = MAX_PIXELS, what: str = "picture") -> Picture:
    """``load``'s picture, failing as a ValueError that names the file (or says it is ``what``'s)
    and says why as the command line does (Pillow's name none); a file not there or not
    readable stays the OSError it is."""
    try:
        return load(source, working_size, max_pixels)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except Exception as e:  # Pillow's decoders raise SyntaxError, EOFError, struct.error... on damaged files
        named = isinstance(source, (str, os.PathLike))
        name = os.fsdecode(source) if named else getattr(source, "name", None)
        given = "bytes" if isinstance(source, CONTENTS) else "file"
        label = (
            f"'{name}'"
            if isinstance(name, str)
            else f"the {given} given" + ("" if what == "picture" else f" as {what}")
        )
        empty = (
            len(source) == 0 if given == "bytes" else named and os.path.isfile(source) and not os.path.getsize(source)
        )
        raise ValueError(f"cannot read {label}: {'it is an empty file' if empty else reason(e)}") from e


def normalize(im: Image.Image) -> Image.Image:
    """Any mode to 8-bit sRGB, or RGBA when the picture has transparency, through the picture's
    own colour profile when it has one (Adobe RGB, ProPhoto, CMYK...)."""
    im = to_srgb(im)
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # Deep gray reads as the same data in a numpy array does (Pillow's own conversion would
        # clip 16-bit values to white and read floats as 0..255).
        im = eight_bits(np.asarray(im))
    if im.mode in ("La", "RGBa"):
        # Premultiplied alpha: Pillow converts these onward only from their straight forms.
        im = im.convert(im.mode[:-1] + "A")
    transparent = im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in im.info
    return im.convert("RGBA" if transparent else "RGB")


def to_srgb(im: Image.Image) -> Image.Image:
    """``im`` converted to sRGB (RGB, or RGBA keeping its alpha) through its embedded ICC profile;
    as it is without one, or with one that does not fit its mode or cannot be read."""
    icc = im.info.get("icc_profile")
    if not icc:
        return im
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (OSError, ImageCms.PyCMSError):
        return im
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode not in _PROFILE_MODES.get(profile.profile.xcolor_space, ()):
        return im
    alpha = im.getchannel("A") if im.mode in ("RGBA", "LA") else None
    base = im if alpha is None else im.convert(im.mode.removesuffix("A"))
    try:
        out = ImageCms.profileToProfile(base, profile, _SRGB, outputMode="RGB")
    except ImageCms.PyCMSError:
        return im
    if alpha is not None:
        out.putalpha(alpha)
    return out


def working(image: Image.Image, size: int) -> Image.Image:
    """``image`` resized with LANCZOS so its longer side is ``size`` (short side rounded)."""
    target = size_for(*image.size, size)
    return image if target == image.size else image.resize(target, Image.LANCZOS)


def to_tensor(image: Image.Image, device: torch.device | str = "cpu") -> torch.Tensor:
    """L, RGB or RGBA image to a float (C, H, W) tensor in [0, 1]."""
    a = np.atleast_3d(np.asarray(image, dtype=np.float32) / 255.0)
    return torch.from_numpy(a).permute(2, 0, 1).contiguous().to(device)
