"""Writing results: PNG, JPEG, SVG, scene JSON and GIF. Each file carries primify's mark, and an
input's files are placed all together or not at all, never over a file that appeared meanwhile."""

import errno
import io
import json
import os
import secrets
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from PIL import PngImagePlugin

from ..model import Scene
from ..render.hard import flatten, render, size_for
from ..render.svg import to_svg
from .animate import default_every, frames, save_gif
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
    if fmt == "GIF":
        save_gif(scene, buf, look.every or default_every(scene), look.pixels(scene, own, animation=True), comment)
        return buf.getvalue()
    image = render(scene, blur=look.blur, size=look.pixels(scene, own))
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
    for i, image in enumerate(frames(scene, every, look.pixels(scene, own, animation=True)), 1):
        buf = io.BytesIO()
        image.save(buf, "PNG", pnginfo=png_text(note, i))
        files.append((folder / f"{stem}.{i:04d}.png", buf.getvalue()))
    return files


def place(files: list[tuple[Path, bytes]], may_replace: Callable[[Path], bool] = lambda path: False) -> None:
    """Writes one input's files, all or none: each to a temporary file first, then each linked
    into place, which fails with FileExistsError where a file appeared since it was checked,
    unless ``may_replace(path)``. On any failure the files already placed are taken away again,
    and the ones they replaced put back."""
    temps: list[Path] = []
    placed: list[tuple[Path, Path | None]] = []
    # Each file by its real folder's name: `link/../x` is the folder the system finds, not the
    # one the text names once `..` is dropped, and `new/../x` needs no `new` made on the way.
    real = [Path(os.path.realpath(path.parent)) / path.name for path, _ in files]
    try:
        for (path, data), where in zip(files, real, strict=True):
            if os.path.isdir(where):
                # Never replaced, nor moved aside where links are missing (see ``_set_aside``).
                raise IsADirectoryError(errno.EISDIR, "it is a folder", str(path))
            try:
                where.parent.mkdir(parents=True, exist_ok=True)
                temps.append(_temporary(where.parent, data))
            except OSError as e:
                raise type(e)(e.errno, e.strerror, str(path)) from None
        for (path, _), where, tmp in zip(files, real, temps, strict=True):
            if may_replace(path) and os.path.lexists(where):
                placed.append((where, _set_aside(where)))
                os.replace(tmp, where)
            else:
                _link(tmp, where, path)
                placed.append((where, None))
    except BaseException:
        for where, old in reversed(placed):
            if old is None:
                where.unlink(missing_ok=True)
            else:
                os.replace(old, where)
        raise
    finally:
        for tmp in temps + [old for _, old in placed if old is not None]:
            tmp.unlink(missing_ok=True)


def _temporary(folder: Path, data: bytes) -> Path:
    # A short name, whatever the output's: a long output name must not make it too long.
    fd, name = tempfile.mkstemp(prefix=f".{MARK}-", suffix=".tmp", dir=folder)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            # On the disk before its name is: after a power cut, ext4 and XFS can show a file
            # linked into place, or renamed over one --overwrite replaces, with nothing in it.
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private; outputs get the permissions any new file would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _set_aside(path: Path) -> Path:
    """A spare name that keeps the entry at ``path`` (a link as a link) until every output is in
    place, to put back if one fails: a hard link to it, or where the file system has none (FAT
    and exFAT drives, some network and FUSE mounts) the entry itself, moved there."""
    old = path.parent / f".{MARK}-{secrets.token_hex(6)}.old"
    try:
        os.link(path, old, follow_symlinks=False)
    except OSError as e:
        if e.errno not in _NO_LINKS:
            raise
        os.replace(path, old)
    return old


#: What ``os.link`` fails with on a file system without hard links (or out of them, EMLINK).
_NO_LINKS = (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK)


def _link(tmp: Path, path: Path, named: Path) -> None:
    """Moves ``tmp`` to ``path`` (``named`` so by the user) unless ``path`` exists, in one step
    that no other writer can come between (a hard link, then the temporary name removed)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "another program wrote it meanwhile", str(named)) from None
    except OSError as e:
        if e.errno not in _NO_LINKS:
            # By the name the user gave (a name too long, say): the temporary one means nothing.
            raise type(e)(e.errno, e.strerror, str(named)) from None
        # A file system without hard links: claiming the name exclusively is as safe.
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        os.replace(tmp, path)
        return
    tmp.unlink()
