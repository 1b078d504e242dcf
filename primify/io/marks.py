"""What primify's outputs say of themselves, and reading it back: the mark that tells a re-run
which files are its own results, and the word that says one was stopped by Ctrl-C."""

import re
import warnings
from pathlib import Path
from urllib.parse import unquote

from PIL import Image

#: What every raster primify writes says of itself (a PNG's Software text, a JPEG's or GIF's
#: comment), so that folder scans can leave primify's own outputs out.
MARK = "primify"
#: The PNG text key that frames carry (their number) and no other output: --overwrite takes
#: away an earlier run's frames past this run's last, and never a picture of primify's that
#: was written, with -o, under a frame's name.
FRAME = "Frame"
#: The word that marks an output stopped by Ctrl-C before all its shapes were placed, so that
#: --skip-existing does it again instead of counting it as done.
STOPPED = "stopped"

#: How the text outputs begin, within their first kilobyte: an SVG's description, "primify 0.1.0,
#: 8 shapes (...)" (in a URI too, escaped), and the scene file's format.
_SIGNED = {
    ".svg": re.compile(rb"<desc>primify [0-9][^<]*?, [0-9]+ shapes \("),
    ".uri": re.compile(rb"%3Cdesc%3Eprimify [0-9][^%]*?, [0-9]+ shapes \("),
    ".json": re.compile(rb'"format": "primify-scene"'),
}


def ours(path: Path) -> bool:
    """Whether ``path`` is an output of primify's: a picture that carries its mark, or an SVG,
    URI or scene file that begins as primify writes them."""
    sign = _SIGNED.get(path.suffix.lower())
    if sign is None:
        # The mark exactly: another program's "primify-web", or a comment of a user's that begins
        # with the word, is not primify's.
        said = _said(path, "Software", "comment")
        return said == MARK or said.startswith(f"{MARK}; ")
    try:
        with open(path, "rb") as f:
            return sign.search(f.read(1024)) is not None
    except OSError:
        return False


def frame(path: Path) -> bool:
    """Whether ``path`` is a frame that primify wrote (``--frames``)."""
    return ours(path) and bool(_said(path, FRAME))


def stopped(path: Path) -> bool:
    """Whether ``path`` is an output that primify marked as stopped by Ctrl-C."""
    if path.suffix.lower() in (".svg", ".uri", ".json"):
        try:
            with open(path, "rb") as f:
                head = unquote(f.read(512).decode("utf-8", "replace"))  # a URI's SVG is escaped
        except OSError:
            return False
        return f"<!-- {MARK}: {STOPPED}" in head or f'{{"note": "{MARK}: {STOPPED}' in head
    # Ours too: another program's picture whose comment begins with the word is not.
    return ours(path) and _said(path, "Comment", "comment").removeprefix(f"{MARK}; ").startswith(STOPPED)


def _said(path: Path, *keys: str) -> str:
    """The first of ``keys`` that a picture's header holds as text, or "": for any file, a
    damaged one or one declaring more pixels than Pillow's own limit (a decompression bomb) too,
    which only its header is read of, and which says nothing."""
    try:
        # Quiet: a bomb's warning, or one of damaged EXIF data, is the picture's, said when read.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                said = next((im.info[k] for k in keys if im.info.get(k)), "")
    except Exception:  # Pillow's decoders raise more than OSError on damaged headers
        return ""
    return said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
