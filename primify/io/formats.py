"""Writing results: PNG, JPEG, SVG, scene JSON and GIF, each file atomically."""

import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..model import Scene
from ..render.hard import flatten
from ..render.svg import to_svg
from .animate import default_every, frames, save_gif
from .scenefile import dumps

#: Output formats by file extension; URI is the SVG as one ``data:`` URI line.
FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".svg": "SVG", ".uri": "URI", ".json": "JSON", ".gif": "GIF"}
#: What a data URI may keep unescaped: the SVG's quotes become ' so that it fits in a quoted
#: src="..." or url("..."), and its spaces stay (quoted, they need no escape).
_URI_SAFE = " '/:=;,.()-_!*~?@$&+"


@dataclass
class Look:
    """How outputs are drawn: raster size (longer side; None: the working size), SVG decimals,
    Gaussian blur in working-size pixels, shapes per animation frame (None: about 50 frames),
    and settings for the SVG's ``<desc>`` that the scene does not hold (the seed, say)."""

    size: int | None = None
    precision: int = 2
    blur: float = 0
    every: int | None = None
    about: str = ""


def encode(scene: Scene, fmt: str, look: Look = Look()) -> bytes:
    """The scene as a file of format ``fmt`` (a value of ``FORMATS``)."""
    if fmt in ("SVG", "URI"):
        # The SVG's own size is the PNG's; its viewBox stays in working-size pixels.
        svg = to_svg(scene, look.precision, look.blur, scene.size_for(look.size), look.about)
        if fmt == "URI":
            return ("data:image/svg+xml," + quote(svg.replace('"', "'"), safe=_URI_SAFE) + "\n").encode()
        return svg.encode()
    if fmt == "JSON":
        return dumps(scene).encode()
    buf = io.BytesIO()
    if fmt == "GIF":
        save_gif(scene, buf, look.every or default_every(scene), look.size)
    else:
        image = scene.render(look.size, blur=look.blur)
        if fmt == "JPEG":
            # JPEG has no alpha: a transparent scene is laid over white, as viewers show one.
            image = flatten(image)
        image.save(buf, fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    return buf.getvalue()


def write(scene: Scene, path: Path, look: Look = Look()) -> None:
    """Writes ``scene`` to ``path`` in the format its extension names, atomically."""
    data = encode(scene, FORMATS[path.suffix.lower()], look)
    atomic_write(path, lambda f: f.write(data))


def write_frames(scene: Scene, folder: Path, stem: str, look: Look = Look()) -> list[Path]:
    """Numbered PNG frames ``<stem>.0001.png``... of the scene being built, in ``folder``."""
    paths = []
    for i, image in enumerate(frames(scene, look.every or default_every(scene), look.size), 1):
        paths.append(folder / f"{stem}.{i:04d}.png")
        atomic_write(paths[-1], lambda f, im=image: im.save(f, "PNG"))
    return paths


def atomic_write(path: Path, fill) -> None:
    """Calls ``fill(file)`` on a temporary file beside ``path``, then renames it into place, so
    a crash never leaves a half-written output."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            fill(f)
        # mkstemp makes the file private; outputs get the permissions any new file would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
