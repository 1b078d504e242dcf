"""Writing results: PNG, JPEG, SVG, scene JSON and GIF. Each file carries primify's mark, and an
input's files are placed all together or not at all (``files.place``)."""

import errno
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from PIL import PngImagePlugin

from ..model import Scene
from ..render.hard import flatten, render
from ..render.sizes import size_for
from ..render.svg import to_svg
from .animate import default_every, frames, save_gif
from .files import place
from .marks import FRAME, MARK
from .scenefile import dumps

#: Output formats by file extension; URI is the SVG as one ``data:`` URI line.
FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".svg": "SVG", ".uri": "URI", ".json": "JSON", ".gif": "GIF"}
#: The formats drawn in pixels, whose size --max-pixels bounds; an SVG's size is only a number.
RASTERS = {"PNG", "JPEG", "GIF"}
#: What a data URI may keep unescaped: the SVG's quotes become ' so that it fits in a quoted
#: src="..." or url("..."), and its spaces stay (quoted, they need no escape).
_URI_SAFE = " '/:=;,.()-_!*~?@$&+"


@dataclass(frozen=True)
class Look:
    """How outputs are drawn: the longer side of rasters (None: the input's own size for PNG and
    JPEG, the working size for GIFs and frames), SVG decimals, Gaussian blur in working-size
    pixels, shapes per animation frame (None: about 50 frames), and settings for the SVG's
    ``<desc>`` that the scene does not hold (the seed, say)."""

    size: int | None = None
    precision: int = 2
    blur: float = 0
    every: int | None = None
    about: str = ""

    def pixels(self, scene: Scene, own: tuple[int, int] | None, animation: bool = False) -> tuple[int, int]:
        """The (width, height) a raster of ``scene`` is written at: with the aspect ratio of the
        input's own size ``own`` (None: the scene's working size), its longer side ``size``."""
        if own is None or (animation and self.size is None):
            return scene.size_for(self.size)
        return size_for(*own, self.size)


def unwritable(path: Path) -> str | None:
    """Why no format is written to ``path``, by its extension, or None where one is."""
    if path.suffix.lower() in FORMATS:
        return None
    # `-o out/` or `scene.save("out")` names no format: "unknown extension ''" would not say so.
    what = f"unknown extension '{path.suffix}'" if path.suffix else "no extension to pick its format"
    return f"{what} (use {', '.join(sorted(FORMATS))})"


#: The longest side a format holds: libjpeg's limit, and a GIF's 16-bit sides. Past them Pillow
#: failed only once the picture was drawn, with "broken data stream" or a traceback.
MAX_SIDE = {"JPEG": 65500, "GIF": 65535}


def too_long(fmt: str, width: int, height: int) -> str | None:
    """Why format ``fmt`` cannot hold a picture of ``width`` × ``height``, or None where it can."""
    most = MAX_SIDE.get(fmt)
    if most is None or max(width, height) <= most:
        return None
    return f"a {fmt} is at most {most:,} pixels a side, not {width}×{height}"


def over_limit(width: int, height: int, limit: int, what: str) -> str | None:
    """Why ``what`` is not drawn at ``width`` × ``height`` under a limit of ``limit`` pixels, or None."""
    if width * height <= limit:
        return None
    return (
        f"drawn at {width}×{height}, {what} is {width * height:,} pixels, over --max-pixels {limit:,}; "
        "give a smaller --output-size or raise --max-pixels"
    )


def encode(scene: Scene, fmt: str, look: Look = Look(), own: tuple[int, int] | None = None, note: str = "") -> bytes:
    """The scene as a file of format ``fmt`` (a value of ``FORMATS``), rasters sized by
    ``look.pixels(scene, own)``; ``note`` (such as why it was stopped) goes into the file."""
    if fmt in ("SVG", "URI"):
        # The SVG's own size is the PNG's; its viewBox stays in working-size pixels.
        svg = to_svg(scene, look.precision, look.blur, look.pixels(scene, own), look.about)
        # The note goes first, after an XML declaration if there is one.
        head = svg[: svg.index("?>") + 2] if svg.startswith("<?xml") else ""
        svg = svg if not note else f"{head}<!-- {MARK}: {note} -->\n{svg[len(head) :]}"
        if fmt == "URI":
            return ("data:image/svg+xml," + quote(svg.replace('"', "'"), safe=_URI_SAFE) + "\n").encode()
        return svg.encode()
    if fmt == "JSON":
        # Readers of the scene format skip keys they do not know.
        text = dumps(scene)
        return (text if not note else '{"note": ' + json.dumps(f"{MARK}: {note}") + ", " + text[1:]).encode()
    buf = io.BytesIO()
    comment = f"{MARK}; {note}" if note else MARK
    size = look.pixels(scene, own, animation=fmt == "GIF")
    if why := too_long(fmt, *size):
        raise ValueError(why)
    if fmt == "GIF":
        save_gif(scene, buf, look.every or default_every(scene), size, comment, look.blur)
        return buf.getvalue()
    image = render(scene, blur=look.blur, size=size)
    if fmt == "JPEG":
        # JPEG has no alpha: a transparent scene is laid over white, as viewers show one. Full
        # colour resolution (4:4:4): halving it smears the flat colours shapes are made of.
        flatten(image).save(buf, fmt, quality=95, subsampling=0, comment=comment)
    else:
        image.save(buf, fmt, pnginfo=png_text(note))
    return buf.getvalue()


def write(scene: Scene, path: Path, look: Look = Look()) -> None:
    """Writes ``scene`` to ``path`` in the format its extension names, whole or not at all,
    replacing a file that is there (``Scene.save``)."""
    place([(path, encode(scene, FORMATS[path.suffix.lower()], look))], lambda _: True)


def to_stdout(data: bytes) -> None:
    """Writes all of ``data`` to standard output and flushes it; raises OSError where it cannot
    (a full disk, a closed pipe). A large write that fills the disk comes back short and raises
    nothing, so what is left is written again, which raises the error."""
    if sys.stdout is None:  # started with standard output closed (`>&-`)
        raise OSError(errno.EBADF, "standard output is closed")
    left = memoryview(data)
    while left:
        left = left[sys.stdout.buffer.write(left) :]
    sys.stdout.buffer.flush()


def png_text(note: str = "", frame: int | None = None) -> PngImagePlugin.PngInfo:
    """A PNG's text chunks with primify's mark, ``note`` as its Comment, and a frame's number."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", MARK)
    if note:
        info.add_text("Comment", note)
    if frame is not None:
        info.add_text(FRAME, str(frame))
    return info


def frame_files(
    scene: Scene, folder: Path, stem: str, look: Look = Look(), own: tuple[int, int] | None = None, note: str = ""
) -> list[tuple[Path, bytes]]:
    """Numbered PNG frames ``<stem>.0001.png``... of the scene being built, in ``folder``."""
    files = []
    every = look.every or default_every(scene)
    for i, image in enumerate(frames(scene, every, look.pixels(scene, own, animation=True), look.blur), 1):
        buf = io.BytesIO()
        image.save(buf, "PNG", pnginfo=png_text(note, i))
        files.append((folder / f"{stem}.{i:04d}.png", buf.getvalue()))
    return files
