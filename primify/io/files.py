"""Files written whole or not at all: each output to a temporary file beside it, then linked
into place, a run's outputs for one input all or none, and nothing of anyone else's lost on the
way (see ``place``)."""

import contextlib
import errno
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from .marks import MARK


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
                try:
                    placed.append((where, _set_aside(where)))
                    os.replace(tmp, where)
                except OSError as e:
                    # By the name the user gave: the temporary and spare names mean nothing.
                    raise type(e)(e.errno, e.strerror, str(path)) from None
            else:
                _link(tmp, where, path)
                placed.append((where, None))
    except BaseException as e:
        stuck = _undo(placed)
        # A replaced file that cannot go back is never deleted: it stays under its spare name,
        # which the error then gives, after what went wrong first.
        placed[:] = [p for p in placed if p not in stuck]
        if stuck and isinstance(e, OSError):
            (where, old), why = stuck[0], e.strerror or str(e)
            said = f"{why}; and '{where}' could not be put back as it was: it is kept as '{old}'"
            raise OSError(e.errno or errno.EIO, said, e.filename) from e
        raise
    finally:
        for tmp in temps + [old for _, old in placed if old is not None]:
            # An entry that cannot be removed (another's file in a sticky folder) must not hide
            # the error that brought the outputs down.
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def _undo(placed: list[tuple[Path, Path | None]]) -> list[tuple[Path, Path]]:
    """Takes the files ``place`` put in place away again, last first, and the ones they replaced
    back; each on its own, so that one that fails stops none of the others. Returns the
    (path, spare) of each replaced file that could not be put back."""
    stuck = []
    for where, old in reversed(placed):
        try:
            if old is None:
                where.unlink(missing_ok=True)
            else:
                os.replace(old, where)
        except OSError:
            # Kept aside by a hard link, the file may be there still, as it was.
            if old is not None and not _same(where, old):
                stuck.append((where, old))
    return stuck


def _same(a: Path, b: Path) -> bool:
    """Whether the entries ``a`` and ``b`` are one file (links not followed)."""
    try:
        return os.path.samestat(os.lstat(a), os.lstat(b))
    except OSError:
        return False


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
