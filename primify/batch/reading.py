"""Reading a batch's files: their bytes, no more than a limit (``/dev/zero`` and endless pipes
would fill memory); ``io.reasons`` says why one could not be read."""

import errno
import sys
from pathlib import Path

#: The input that means standard input.
STDIN = "-"


def read(
    path: Path | None, limit: int | None = None, beyond: str = "more than a picture within --max-pixels takes"
) -> bytes:
    """The bytes of a file, or of standard input for None (not for a path ``-``: an input ``./-``
    is the file of that name, which ``Path`` spells ``-`` too). Raises ValueError past ``limit``
    bytes (``beyond`` says what that is), having read no more than that: ``/dev/zero`` or an
    endless pipe would fill memory. Nothing at all is a ValueError too, said before Pillow or
    JSON would say it less plainly ("not an image", "Expecting value")."""
    if path is None:
        if sys.stdin is None:  # started with it closed (`<&-`): Python sets it to None
            raise OSError(errno.EBADF, "standard input is closed")
        data = _upto(sys.stdin.buffer, limit, beyond)
    else:
        with open(path, "rb") as f:
            data = _upto(f, limit, beyond)
    if not data:
        raise ValueError("nothing came on standard input" if path is None else "it is an empty file")
    return data


#: The most bytes of a scene file read: about a million shapes as ``scenefile.dumps`` writes
#: them; more is not a scene (``/dev/zero``, an endless pipe), and reading it would fill memory.
SCENE_BYTES = 1 << 28


def read_scene(path: Path | None) -> bytes:
    """The bytes of a scene file, or of standard input for None, as ``read`` reads them."""
    return read(path, SCENE_BYTES, "more than a scene file of a million shapes takes")


#: Bytes read at a time: one read of the whole limit would take that much memory at once, however
#: small the file (a --max-pixels of 10**10 ran out of memory before reading a 2 KB picture).
_PART = 1 << 24


def _upto(stream, limit: int | None, beyond: str) -> bytes:
    """All of ``stream``, or ValueError once it is over ``limit`` bytes (None: no limit)."""
    parts, size = [], 0
    while limit is None or size <= limit:
        part = stream.read(_PART if limit is None else min(_PART, limit + 1 - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    if limit is not None and size > limit:
        raise ValueError(f"it is over {limit:,} bytes, {beyond}")
    return b"".join(parts)


def byte_limit(max_pixels: int) -> int:
    """The most bytes a picture of ``max_pixels`` pixels can take: 8 a pixel (16-bit RGBA, not
    compressed) and room for its metadata."""
    return 8 * max_pixels + 2**24


def named(path: Path | None) -> Path | None:
    """An option's file, None where it is ``-`` (standard input) or not given."""
    return None if str(path) == STDIN else path


def shown(path: Path | None) -> str:
    """How messages name a file: standard input (None) is ``<stdin>``."""
    return "<stdin>" if path is None else str(path)
