"""What a batch reads: inputs expanded from files, folders and globs (``reading`` reads their
bytes)."""

import errno
import functools
import glob
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ..io.reasons import reason
from . import globs
from .reading import STDIN, shown


@dataclass(frozen=True)
class Source:
    """One input: a file, or standard input when ``path`` is None. ``folder`` is where its outputs
    go below the output folder (its place inside a folder input); ``error`` is set when it is
    known to be unusable before reading (a glob that matched nothing, a folder without images, an empty file);
    ``scanned`` when it was found in a folder or by a glob rather than named."""

    path: Path | None
    folder: Path = Path()
    error: str | None = None
    scanned: bool = False

    @property
    def name(self) -> str:
        return shown(self.path)

    @property
    def stem(self) -> str:
        return "stdin" if self.path is None else self.path.stem


def image_suffixes() -> frozenset[str]:
    """File extensions Pillow can open, lower-case with the dot. Asked only where needed (a
    folder, a clash): listing them loads every one of Pillow's plugins."""
    return frozenset(ext for ext, fmt in Image.registered_extensions().items() if fmt in Image.OPEN)


def expand(args: list[str], recursive: bool = False, own: Callable[[Path], bool] = lambda path: False) -> list[Source]:
    """The inputs named by ``args``, in order and each file once: files as they are (missing
    ones too, to fail when read), the images in folders (sorted; in subfolders too when
    ``recursive``), glob matches, and ``-`` for standard input. Pictures that ``own(path)`` says are
    primify's outputs are left out of folders, so that re-runs do not convert their own results.

    Folders and globs follow links to folders, but each real folder only once, so that a link
    loop ends. A folder that cannot be listed, and a link to an image that is not there, are
    inputs with an ``error``, as a named file that is missing is."""
    out: list[Source] = []
    for arg in args:
        path = Path(arg)
        if arg == STDIN:
            out.append(Source(None))
        elif arg.endswith(("/", os.sep)) and glob.has_magic(arg) and not os.path.exists(path):
            # A trailing slash names folders only, as in a shell (Path drops it: files matched).
            folders = sorted(glob.glob(arg, recursive=True))
            out.extend(expand(folders, recursive, own) or [Source(path, error="no folders match this pattern")])
        elif os.path.isdir(path):
            found, ours = _folder(path, recursive, own)
            hidden = not found and _hidden(path, recursive)
            out.extend(found or [Source(path, error=HIDDEN_ONLY if hidden else NOTHING_IN_FOLDER[bool(ours)])])
        elif not os.path.exists(path) and not os.path.islink(path) and glob.has_magic(arg):
            head = globs.until_magic(path.parts)
            base, pattern = Path(*head), path.parts[len(head) :]
            depth = None if "**" in pattern else len(pattern)
            # A pattern in a folder that is not there matches nothing, as in a shell.
            # Names that begin with a dot are found where the pattern's part says so, as in a
            # shell; only folders that may hold a match are entered (nor said to be unreadable).
            dots = any(p.startswith(".") for p in pattern)
            enter = functools.partial(globs.may_hold, pattern=pattern)
            found = _walk(base, depth, dots, enter) if os.path.isdir(base) else ()
            matches = [
                Source(p, p.relative_to(base), error) if error else _file(p, p.parent.relative_to(base))
                for p, error in found
                if error or globs.matches(p.relative_to(base).parts, pattern)
            ]
            matches = [m for m in matches if m]
            out.extend(matches)
            if not matches:
                out.append(Source(path, error="no files match this pattern"))
        elif os.path.islink(path) and not os.path.exists(path):
            out.append(Source(path, error=broken_link(path)))
        else:
            out.append(Source(path, error=_unusable(path)))
    first: dict[str | None, int] = {}
    unique: list[Source] = []
    for s in out:
        key = None if s.path is None else os.path.realpath(s.path)
        if key in first and not s.error:
            # One file is one input however it is named. Where a link and the file it leads to
            # are both found, the file is converted, under its own name: the link, found first,
            # made the file's own outputs vanish from a folder's.
            kept = unique[first[key]]
            if key is not None and not kept.error and os.path.islink(kept.path) and not os.path.islink(s.path):
                unique[first[key]] = s
            continue
        first.setdefault(key, len(unique))
        unique.append(s)
    return unique


#: The errors of a folder with no pictures to convert: none at all (its SVGs, say, or an out-dir
#: made before the first run), or only primify's own outputs (a re-run's out-dir).
NOTHING_IN_FOLDER = ("it is a folder with no images in it", "it is a folder with only primify's own outputs in it")
#: The error of a folder whose only pictures have hidden names, which folders leave out.
HIDDEN_ONLY = "its only images have names that begin with a dot, which a folder leaves out; name one to convert it"
#: The error of a link to a file that is not there.
DANGLING = "it is a link to a file that does not exist"


def broken_link(link: Path) -> str:
    """Why a link that leads to no file leads nowhere: round in a loop, or to nothing."""
    return "it is a link in a loop" if loops(link) else DANGLING


def loops(link: Path) -> bool:
    """Whether following ``link`` leads round in a loop."""
    try:
        os.stat(link)
    except OSError as e:
        return e.errno == errno.ELOOP
    return False


def _folder(root: Path, recursive: bool, own: Callable[[Path], bool]) -> tuple[list[Source], int]:
    """The inputs in a folder, and how many of its pictures were left out as our own outputs."""
    suffixes = image_suffixes()
    found, left = [], 0
    for path, error in _walk(root, None if recursive else 1):
        if error:
            found.append(Source(path, path.relative_to(root), error))
        elif path.suffix.lower() in suffixes and (src := _file(path, path.parent.relative_to(root))):
            # Asked of files only, and after them: a pipe named like a picture would be read.
            if own(path):
                left += 1
            else:
                found.append(src)
    return found, left


def _hidden(folder: Path, recursive: bool) -> bool:
    """Whether ``folder`` (with its folders, if ``recursive``) holds a picture that folders leave
    out for a name that begins with a dot (not one in a folder so named: a project's .venv)."""
    suffixes = image_suffixes()
    found = _walk(folder, None if recursive else 1, dots=True, enter=lambda parts: not parts[-1].startswith("."))
    return any(not error and path.name.startswith(".") and path.suffix.lower() in suffixes for path, error in found)


def _file(path: Path, folder: Path) -> Source | None:
    """A file found in a folder or by a glob as an input: an error for a dangling link, and
    nothing for what is not a file (sockets, pipes)."""
    if os.path.islink(path) and not os.path.exists(path):
        return Source(path, folder, broken_link(path))
    return Source(path, folder, _unusable(path), scanned=True) if os.path.isfile(path) else None


def _unusable(path: Path) -> str | None:
    """Why a file cannot be an input, where that is known before reading it (it is not there, or
    empty), so that it claims no outputs that a picture of the same name would write; else None
    (a pipe has no size, and a file one cannot read says so when read)."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return "no such file"
    except OSError:  # a name too long, say: reading it says so
        return None
    try:
        if not os.path.isfile(path) or path.stat().st_size:
            return None
        # A size of 0 is also what /proc's files say of themselves: empty is what reads as empty.
        with open(path, "rb") as f:
            return None if f.read(1) else "it is an empty file"
    except OSError:
        return None


def _walk(
    root: Path, depth: int | None, dots: bool = False, enter: Callable[[tuple[str, ...]], bool] | None = None
) -> Iterator[tuple[Path, str | None]]:
    """(path, None) for each entry below ``root`` that is not a folder, ``depth`` folders deep at
    most (None: any depth), in sorted order and without names that begin with a dot unless
    ``dots``; (folder, reason) for a folder that cannot be listed. Links to folders are followed,
    each real folder once, and only where ``enter`` (given the folder's parts below ``root``) is
    True, if given."""
    seen = set()

    def visit(folder: Path, left: int | None) -> Iterator[tuple[Path, str | None]]:
        real = os.path.realpath(folder)
        if real in seen:
            return
        seen.add(real)
        try:
            with os.scandir(folder) as listing:
                entries = sorted((e.name, _is_dir(e)) for e in listing if dots or not e.name.startswith("."))
        except OSError as e:
            yield folder, reason(e)
            return
        for name, is_dir in entries:
            if not is_dir:
                yield folder / name, None
            elif (left is None or left > 1) and (enter is None or enter((folder / name).relative_to(root).parts)):
                yield from visit(folder / name, None if left is None else left - 1)

    yield from visit(root, depth)


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
