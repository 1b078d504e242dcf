"""Glob patterns matched part by part as a shell matches them: ``*``, ``?`` and ``[...]`` within a
name, ``**`` across folders, and a name that begins with a dot matched only by a part that does
(``**`` crosses no such folder)."""

import fnmatch
import glob


def may_hold(folder: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    """Whether a folder at path parts ``folder`` may hold a match of glob parts ``pattern``."""
    if not folder:
        return bool(pattern)
    if not pattern:
        return False
    if pattern[0] == "**":
        crossed = not folder[0].startswith(".") and may_hold(folder[1:], pattern)
        return crossed or may_hold(folder, pattern[1:])
    return _part(folder[0], pattern[0]) and may_hold(folder[1:], pattern[1:])


def _part(name: str, part: str) -> bool:
    """Whether one name matches one glob part: one that begins with a dot only a part that does."""
    return (part.startswith(".") or not name.startswith(".")) and fnmatch.fnmatchcase(name, part)


def matches(names: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    """Whether path parts ``names`` match glob parts ``pattern``, where ``**`` is any depth."""
    if not pattern:
        return not names
    if pattern[0] == "**":
        # As a shell's: it crosses no folder whose name begins with a dot.
        deepest = next((i for i, name in enumerate(names) if name.startswith(".")), len(names))
        return any(matches(names[i:], pattern[1:]) for i in range(deepest + 1))
    return bool(names) and _part(names[0], pattern[0]) and matches(names[1:], pattern[1:])


def until_magic(parts: tuple[str, ...]) -> list[str]:
    """The parts before the first that holds a glob's magic: the folder every match lies below."""
    head = []
    for p in parts:
        if glob.has_magic(p):
            break
        head.append(p)
    return head
