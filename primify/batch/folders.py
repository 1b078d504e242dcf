"""The folders a run writes into: made before any work, so that one that cannot be written to
is known at once rather than after the fitting, and taken away again at the run's end where it
left them empty (their pictures refused or failed), so that a run that wrote nothing there
leaves nothing there. Only folders the run itself made are ever taken away, and only empty."""

import os
from dataclasses import replace
from pathlib import Path

from ..io.reasons import reason
from .inputs import loops
from .plan import Plan


def unwritable(folder: Path, made: list[Path] | None = None) -> str | None:
    """Why files cannot be written into ``folder``, which is made where it is missing (each
    folder made is appended to ``made``, outermost first); None where they can."""
    gone = next((p for p in [folder, *folder.parents] if os.path.islink(p) and not os.path.exists(p)), None)
    if gone is not None:
        return f"'{gone}' is a link in a loop" if loops(gone) else f"'{gone}' is a link to a folder that is not there"
    # The folders are made by their real names, one at a time: `new/../kept` names `kept`, which
    # is no folder of this run's to take away again, and one that another program makes
    # meanwhile is not this run's either.
    real = Path(os.path.realpath(folder))
    missing = []
    for p in [real, *real.parents]:
        if os.path.lexists(p):
            break
        missing.append(p)
    try:
        for p in reversed(missing):
            try:
                os.mkdir(p)
            except FileExistsError:
                continue
            if made is not None:
                made.append(p)
        if not os.path.isdir(real):
            raise NotADirectoryError
    except OSError as e:
        if isinstance(e, (FileExistsError, NotADirectoryError)):
            file = next((p for p in [folder, *folder.parents] if os.path.exists(p) and not os.path.isdir(p)), folder)
            return f"'{file}' is a file"
        return reason(e)
    if os.access(real, os.W_OK):
        return None
    read_only = hasattr(os, "statvfs") and os.statvfs(real).f_flag & os.ST_RDONLY
    return "read-only file system" if read_only else "permission denied"


def too_long(path: Path) -> bool:
    """Whether ``path``'s name is longer than its folder's file system takes, found before the
    fitting rather than when the file is written after it. The folder must exist."""
    try:
        limit = os.pathconf(path.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255  # every common file system's
    return len(os.fsencode(path.name)) > limit


def with_folders(plan: Plan, going: list[bool], made: list[Path] | None = None) -> Plan:
    """The plan once the folders its items write into are made (each appended to ``made``), for
    the items ``going`` says will be converted (``verdict`` is None): an item whose folder
    cannot be made or written to, or whose file's name is too long for it, gets that as its
    error, so that the rest of the batch goes on."""
    why: dict[Path, str | None] = {}
    items = []
    for item, goes in zip(plan.items, going, strict=True):
        # The outputs' folders first: where one cannot be made, no frames folder is left behind.
        folders = sorted({p.parent for p in item.outputs}) + ([plan.frames / item.source.folder] if plan.frames else [])
        for folder in folders if goes else []:
            if folder not in why:
                why[folder] = unwritable(folder, made)
            if why[folder]:
                item = replace(item, outputs=(), error=f"cannot write to folder '{folder}': {why[folder]}")
                break
        # An input that is not there (its own name too long, say) says so when read, first.
        there = goes and not item.error and (item.source.path is None or os.path.lexists(item.source.path))
        frame = [plan.frames / item.source.folder / f"{item.source.stem}.0001.png"] if plan.frames else []
        long = next((p for p in [*item.outputs, *frame] if too_long(p)), None) if there else None
        if long:
            item = replace(item, outputs=(), error=f"cannot write '{long}': file name too long")
        items.append(item)
    return replace(plan, items=tuple(items))


def tidy(made: list[Path]) -> None:
    """Takes away the folders in ``made`` (outermost first) that are still empty, innermost
    first; one with anything in it stays, as does one that cannot be taken away."""
    for folder in reversed(made):
        try:
            folder.rmdir()
        except OSError:
            pass
