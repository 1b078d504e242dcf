"""The steps around each conversion in a batch: which tasks to run, and writing their results."""

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator

from .batch import Result, Task, reason
from .inputs import STDIN, Source
from .output import FORMATS, Look, encode, write, write_frames
from .scenefile import from_dict


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


def first_clash(plans: dict[Source, list[Path]]) -> tuple[str, str, Path] | None:
    """Two inputs that would write the same file, and the file, or None."""
    owner = {}
    for src, paths in plans.items():
        for p in paths:
            other = owner.setdefault(p.resolve(), src)
            if other is not src:
                return other.name, src.name, p
    return None


def writable(folder: Path) -> bool:
    """Whether ``folder`` exists, or can be made, and can be written to."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)
