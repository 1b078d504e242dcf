"""Real SVG clients for tests: each renders an SVG to an RGB numpy array (float64, 0-255) at the
SVG's own size, composited over white.

resvg and CairoSVG come from pip; librsvg (rsvg-convert), Inkscape and Chromium from Debian.
``available(name)`` says whether a client is installed; tests skip with a reason where not.
"""

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

CLIENTS = ("resvg", "cairosvg", "librsvg", "inkscape", "chromium")
_PROGRAMS = {"librsvg": "rsvg-convert", "inkscape": "inkscape", "chromium": "chromium"}


def available(name: str) -> bool:
    if name == "resvg":
        return _importable("resvg_py")
    if name == "cairosvg":
        return _importable("cairosvg")
    return shutil.which(_PROGRAMS[name]) is not None


def missing(name: str) -> str:
    """The reason a test skips when ``name`` is absent."""
    how = {"resvg": "pip install resvg-py", "cairosvg": "pip install cairosvg"}.get(
        name, f"apt-get install {dict(librsvg='librsvg2-bin').get(name, name)}"
    )
    return f"{name} is not installed ({how})"


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _array(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    white = Image.new("RGBA", image.size, "white")
    return np.asarray(Image.alpha_composite(white, image).convert("RGB"), dtype=np.float64)


def render(name: str, svg: str, width: int | None = None, height: int | None = None) -> np.ndarray:
    """The SVG as drawn by client ``name``, at ``width`` × ``height`` where given (not for
    Inkscape and Chromium, which draw it at its own size)."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in.svg", Path(tmp) / "out.png"
        src.write_text(svg, encoding="utf-8")
        size = {} if width is None else {"width": width, "height": height}
        if name == "resvg":
            import resvg_py

            return _array(bytes(resvg_py.svg_to_bytes(svg_string=svg, **size)))
        if name == "cairosvg":
            import cairosvg

            return _array(cairosvg.svg2png(bytestring=svg.encode(), output_width=width, output_height=height))
        if name == "librsvg":
            args = [] if width is None else ["-w", str(width), "-h", str(height)]
            subprocess.run(["rsvg-convert", *args, "-o", str(out), str(src)], check=True, capture_output=True)
        else:
            return render_all(name, [svg])[0]
        return _array(out.read_bytes())


def render_all(name: str, svgs: list[str]) -> list[np.ndarray]:
    """Each SVG as drawn by client ``name`` at its own size; Inkscape and Chromium draw them
    all in one run, as each takes a second or two to start."""
    if name == "chromium":
        return chromium_all(svgs)
    if name != "inkscape":
        return [render(name, svg) for svg in svgs]
    with tempfile.TemporaryDirectory() as tmp:
        files = [Path(tmp) / f"{i}.svg" for i in range(len(svgs))]
        for f, svg in zip(files, svgs, strict=True):
            f.write_text(svg, encoding="utf-8")
        subprocess.run(
            ["inkscape", "--export-type=png", *map(str, files)],
            check=True,
            capture_output=True,
            env={**os.environ, "HOME": tmp},
            timeout=300,
        )
        return [_array(f.with_suffix(".png").read_bytes()) for f in files]


def _own_size(svg: str) -> tuple[int, int]:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg)
    return round(float(root.get("width"))), round(float(root.get("height")))


def chromium_all(svgs: list[str], inline: bool = False) -> list[np.ndarray]:
    """Headless Chromium's screenshot of a page with no margins holding each SVG as an
    ``<img>`` (or, ``inline``, as ``<svg>`` elements of the page itself) at its own size, one
    below the other, cut back into one picture each."""
    sizes = [_own_size(svg) for svg in svgs]
    with tempfile.TemporaryDirectory() as tmp:
        page, out = Path(tmp) / "page.html", Path(tmp) / "shot.png"
        for i, svg in enumerate(svgs):
            (Path(tmp) / f"{i}.svg").write_text(svg, encoding="utf-8")
        if inline:
            imgs = "".join(f'<div style="display:flex">{svg}</div>' for svg in svgs)
        else:
            imgs = "".join(f'<img src="{i}.svg" style="display:block">' for i in range(len(svgs)))
        page.write_text(f'<!doctype html><html><body style="margin:0;background:#fff">{imgs}</body></html>')
        width, height = max(w for w, _ in sizes), sum(h for _, h in sizes)
        subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                f"--user-data-dir={tmp}/profile",
                f"--screenshot={out}",
                f"--window-size={width},{height}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        shot, top, cut = _array(out.read_bytes()), 0, []
        for w, h in sizes:
            cut.append(shot[top : top + h, :w])
            top += h
        return cut


def inkscape_query(svg: str) -> list[tuple[str, float, float, float, float]]:
    """``inkscape --query-all``: (id, x, y, width, height) of every element, in the
    page's pixels (the first is the drawing as a whole)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.svg"
        src.write_text(svg, encoding="utf-8")
        out = subprocess.run(
            ["inkscape", "--query-all", str(src)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "HOME": tmp},
            timeout=120,
        ).stdout
    rows = [line.split(",") for line in out.splitlines() if line.count(",") == 4]
    return [(r[0], *map(float, r[1:])) for r in rows]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = ((a - b) ** 2).mean()
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)
