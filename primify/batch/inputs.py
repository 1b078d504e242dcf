"""What a batch reads: inputs expanded from files, folders and globs, and their bytes."""

import glob
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

#: The input that means standard input.
STDIN = "-"


@dataclass(frozen=True)
class Source:
    """One input: a file, or standard input when ``path`` is None. ``folder`` is where its outputs
    go below the output folder (its place inside a folder input); ``error`` is set when it is
    known to be unusable before reading (a glob that matched nothing, a folder without images);
    ``scanned`` when it was found in a folder or by a glob rather than named."""

    path: Path | None
    folder: Path = Path()
    error: str | None = None
    scanned: bool = False

    @property
    def name(self) -> str:
        return "<stdin>" if self.path is None else str(self.path)

    @property
    def stem(self) -> str:
        return "stdin" if self.path is None else self.path.stem


def image_suffixes() -> set[str]:
    """File extensions Pillow can open, lower-case with the dot."""
    return {ext for ext, fmt in Image.registered_extensions().items() if fmt in Image.OPEN}


def expand(args: list[str], recursive: bool = False, skip: Path | None = None) -> list[Source]:
    """The inputs named by ``args``, in order and without repeats: files as they are (missing
    ones too, to fail when read), the images in folders (sorted; in subfolders too when
    ``recursive``), glob matches, and ``-`` for standard input. Files below ``skip`` (the output
    folder) and our own ``*.primify.*`` outputs are left out of folders, so that re-runs do not
    convert their own results."""
    out: list[Source] = []
    for arg in args:
        path = Path(arg)
        if arg == STDIN:
            out.append(Source(None))
        elif path.is_dir():
            found = _folder(path, recursive, skip)
            out.extend(found or [Source(path, error="it is a folder with no images in it")])
        elif not path.exists() and glob.has_magic(arg):
            base = Path(*[p for p in _until_magic(path.parts)])
            matches = [Path(m) for m in sorted(glob.glob(arg, recursive=True)) if Path(m).is_file()]
            out.extend(Source(m, m.parent.relative_to(base), scanned=True) for m in matches)
            if not matches:
                out.append(Source(path, error="no files match this pattern"))
        else:
            out.append(Source(path))
    seen, unique = set(), []
    for s in out:
        key = None if s.path is None else os.path.realpath(s.path)
        if key not in seen or s.error:
            seen.add(key)
            unique.append(s)
    return unique


def _folder(root: Path, recursive: bool, skip: Path | None) -> list[Source]:
    suffixes = image_suffixes()
    skip = skip.resolve() if skip is not None else None
    found = []
    for path in sorted(root.rglob("*") if recursive else root.iterdir()):
        rel = path.relative_to(root)
        if any(p.startswith(".") for p in rel.parts) or not path.is_file() or path.suffix.lower() not in suffixes:
            continue
        if path.stem.endswith(".primify") or (skip is not None and skip != root.resolve() and path.resolve().is_relative_to(skip)):
            continue
        found.append(Source(path, rel.parent, scanned=True))
    return found


def _until_magic(parts: tuple[str, ...]) -> list[str]:
    head = []
    for p in parts:
        if glob.has_magic(p):
            break
        head.append(p)
    return head




def read(path: Path | None) -> bytes:
    """The bytes of a file, or of standard input for None or ``-``."""
    return sys.stdin.buffer.read() if path is None or str(path) == STDIN else path.read_bytes()
