"""What becomes of a result: its files written, a ``--json`` line, and lines for a person."""

import gzip
import sys
from dataclasses import replace
from pathlib import Path

from ..io.formats import FORMATS, Look, encode, write, write_frames
from ..io.scenefile import from_dict
from ..shapes import KINDS
from .inputs import Source
from .work import Result


def save(result: Result, outputs: list[Path], look: Look, frames: Path | None, src: Source, stdout: str | None) -> None:
    """Writes a result's scene to ``outputs`` (rasters at the input's size unless ``look`` sets
    one), its frames below ``frames``, and to standard output in format ``stdout``."""
    scene = from_dict(result.scene)
    raster = _raster(look, result)
    for path in outputs:
        write(scene, path, look if path.suffix.lower() == ".gif" else raster)
    if frames:
        write_frames(scene, frames / src.folder, src.stem, look)
    if stdout:
        sys.stdout.buffer.write(encode(scene, FORMATS["." + stdout], raster))
        sys.stdout.flush()


def _raster(look: Look, result: Result) -> Look:
    """How a result's PNG, JPEG and SVG are drawn: at the input's size unless ``look`` sets one."""
    return replace(look, size=look.size or max(result.size))


def record(result: Result, outputs: list[Path], look: Look = Look()) -> dict:
    """The result as one ``--json`` line's object; ``svg_bytes`` and ``svg_gzip_bytes`` (gzip -9)
    are the size of its SVG drawn with ``look``, so that a site build can check its budget."""
    written = result.status in ("ok", "skipped") or result.stopped and result.scene
    kinds = result.kinds
    svg = encode(from_dict(result.scene), "SVG", _raster(look, result)) if result.scene else None
    psnr = None if result.psnr is None else round(result.psnr, 3)
    return {"input": result.name, "status": result.status, "outputs": [str(p) for p in outputs] if written else [],
            "kinds": kinds, "shapes": sum(kinds.values()), "psnr": psnr,
            "seconds": round(result.seconds, 3), "device": result.device, "error": result.error,
            "svg_bytes": svg and len(svg), "svg_gzip_bytes": svg and len(gzip.compress(svg, 9, mtime=0))}


def describe(result: Result, label: str, asked: int, outputs: list[Path]) -> list[str]:
    """What to tell a person about a result that is not an error, a line each."""
    files = ", ".join(map(str, outputs)) or "standard output"
    shapes = sum(result.kinds.values())
    if result.stopped:
        return [f"stopped early by Ctrl-C: {result.name} written with {shapes} of {asked} shapes -> {files}"
                if result.scene else f"stopped by Ctrl-C before it started: {result.name}"]
    lines = [f"{label}: note: {n}" for n in result.notes] + [f"{label}: warning: {w}" for w in result.warnings]
    if result.scene is None:
        return lines + [f"{label}: skipped, its outputs exist"]
    used = ",".join(k for k in KINDS if k in result.kinds)
    return lines + [f"{label}: {shapes} {used} shapes, {result.psnr:.2f} dB, {result.seconds:.1f} s on {result.device} -> {files}"]
