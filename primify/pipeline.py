"""The steps around each conversion in a batch: which files each input writes, which tasks to
run, writing their results, and what to report of them."""

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator

from .batch import Result, Task, reason
from .inputs import STDIN, Source, outputs_for
from .output import FORMATS, Look, check_output, encode, write, write_frames
from .scenefile import from_dict
from .shapes import KINDS


def tasks(sources: list[Source], plans: dict[Source, list[Path]], report: Callable[[Result, list[Path]], None],
          overwrite: bool, skip: bool, make: Callable[[int, Source, bytes], Task]) -> Iterator[Task]:
    """The tasks to run, made by ``make(index, source, data)``, one per source that needs one;
    the others are ``report``-ed at once: unreadable, skipped (``skip`` and every output
    exists), or refused (an output exists and not ``overwrite``)."""
    for i, src in enumerate(sources):
        existing = [p for p in plans[src] if p.exists()]
        if src.error:
            report(Result(i, src.name, error=f"cannot read '{src.name}': {src.error}"), [])
        elif existing and skip and len(existing) == len(plans[src]):
            report(Result(i, src.name), plans[src])
        elif existing and not overwrite and not skip:
            report(Result(i, src.name, error=f"'{existing[0]}' exists; pass --overwrite to replace it "
                                               f"or --skip-existing to skip its input"), [])
        else:
            try:
                yield make(i, src, read(src.path))
            except OSError as e:
                report(Result(i, src.name, error=f"cannot read '{src.name}': {reason(e)}"), [])


def read(path: Path | None) -> bytes:
    """The bytes of a file, or of standard input for None or ``-``."""
    return sys.stdin.buffer.read() if path is None or str(path) == STDIN else path.read_bytes()


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


def plan(sources: list[Source], output: list[Path], out_dir: Path, template: str, formats: list[str], shape: str,
         shapes: int) -> dict[Source, list[Path]]:
    """Each source's output files: ``output`` when given (for a single source), else one per
    format named by ``template`` in ``out_dir``. Raises ValueError for an output that is an
    input, has an unknown extension, lies outside ``out_dir``, or that two sources would share."""
    for path in output:
        check_output(path, [s.path for s in sources if s.path])
    plans = {src: output or outputs_for(src, out_dir, template, formats, shape, shapes) for src in sources}
    owner = {}
    for src, paths in plans.items():
        for p in paths:
            other = owner.setdefault(p.resolve(), src)
            if other is not src:
                raise ValueError(f"'{other.name}' and '{src.name}' would both write '{p}'")
    return plans


def writable(folder: Path) -> bool:
    """Whether ``folder`` exists, or can be made, and can be written to."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


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
