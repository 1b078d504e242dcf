"""Why a file could not be read, in words a person can act on."""

from PIL import UnidentifiedImageError


def reason(e: Exception) -> str:
    """A reading error as a reason a person can act on."""
    if isinstance(e, FileNotFoundError):
        return "no such file"
    if isinstance(e, IsADirectoryError):
        return "it is a folder, not a file"
    if isinstance(e, PermissionError):
        return "permission denied"
    if isinstance(e, UnidentifiedImageError):
        return "not an image that Pillow can read"
    if "truncated" in str(e).lower():
        # Pillow says "Truncated File Read" or "image file is truncated (47 bytes not processed)".
        return "it is truncated: the file ends before the picture does"
    if str(e) == "could not create decoder object":
        # All that Pillow's WebP decoder says of a file it cannot start on: a truncated one, say.
        return "it is damaged or truncated: the WebP decoder cannot read it"
    if isinstance(e, MemoryError) or "can't allocate memory" in str(e):  # torch's words for it
        return "out of memory"
    if isinstance(e, OSError) and e.strerror:
        # The system's words as part of a sentence: "file name too long", "no space left on device".
        return e.strerror[0].lower() + e.strerror[1:]
    return str(e).split("\n")[0].strip() or type(e).__name__
