"""Writing results: which files, in which format, atomically."""

import os
import tempfile
from pathlib import Path

from PIL import Image

from .scene import Scene
from .svg import to_svg

#: Output formats by file extension.
FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".svg": "SVG"}


def check_output(path: Path, inputs: list[Path]) -> None:
    """Raises ValueError if ``path`` has an unknown extension or is one of the ``inputs``."""
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"cannot write '{path}': unknown extension '{path.suffix}' "
                         f"(use {', '.join(sorted(set(FORMATS)))})")
    if any(path.resolve() == i.resolve() for i in inputs):
        raise ValueError(f"refusing to write '{path}': it is an input")


def default_outputs(src: Path, out_dir: Path) -> list[Path]:
    """``<stem>.primify.png`` and ``<stem>.primify.svg`` in ``out_dir``."""
    return [out_dir / f"{src.stem}.primify{ext}" for ext in (".png", ".svg")]


def write(scene: Scene, path: Path, output_size: int | None, precision: int = 2, blur: float = 0) -> None:
    """Writes ``scene`` to ``path`` in the format its extension names; raster formats are
    rendered with longer side ``output_size`` (None: the working size), SVG coordinates with
    ``precision`` decimals; ``blur`` blurs both alike (see ``Scene.render``). PNG keeps a
    transparent background; JPEG lays it over white."""
    fmt = FORMATS[path.suffix.lower()]
    if fmt == "SVG":
        data = to_svg(scene, precision, blur).encode()
        atomic_write(path, lambda f: f.write(data))
    else:
        image: Image.Image = scene.render(output_size, blur=blur)
        if fmt == "JPEG" and image.mode == "RGBA":
            # JPEG has no alpha: a transparent scene is laid over white, as viewers show one.
            image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB")
        atomic_write(path, lambda f: image.save(f, fmt, **({"quality": 95} if fmt == "JPEG" else {})))


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
