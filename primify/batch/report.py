"""What becomes of a result: its files written, a ``--json`` line, and lines for a person."""

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
    raster = replace(look, size=look.size or max(result.size))
    for path in outputs:
        write(scene, path, look if path.suffix.lower() == ".gif" else raster)
    if frames:
        write_frames(scene, frames / src.folder, src.stem, look)
    if stdout:
        sys.stdout.buffer.write(encode(scene, FORMATS["." + stdout], raster))
        sys.stdout.flush()


def record(result: Result, outputs: list[Path]) -> dict:
    """The result as one ``--json`` line's object."""
    written = result.status in ("ok", "skipped") or result.stopped and result.scene
    kinds = result.kinds
    return {"input": result.name, "status": result.status, "outputs": [str(p) for p in outputs] if written else [],
            "kinds": kinds, "shapes": sum(kinds.values()), "psnr": None if result.psnr is None else round(result.psnr, 3),
            "seconds": round(result.seconds, 3), "device": result.device, "error": result.error}


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
