"""Every output path of a batch is decided and checked here, in one place: which files each
input writes (``-o``, or a ``--name`` template in ``--out-dir``), that none of them is an input,
which inputs are primify's own earlier outputs, and which inputs need converting."""

import os
from dataclasses import dataclass, replace
from pathlib import Path

from ..io.formats import FORMATS, RASTERS, Look, unwritable
from ..io.marks import frame, stopped
from ..io.reasons import reason
from .inputs import Source, image_suffixes
from .names import check_frames, frame_stem, left_out, outputs_for, own_outputs
from .work import Result

#: Why a picture found in a folder or by a glob is left out.
OWN = "one of primify's own outputs; name it on its own to convert it"


@dataclass(frozen=True)
class Item:
    """One input of the plan and the files it writes (none: standard output only); ``error``
    when it cannot be converted as planned (its outputs clash with another input's);
    ``left_out``, why it is not converted, where that is no error (an output of ours)."""

    index: int
    source: Source
    outputs: tuple[Path, ...]
    error: str | None = None
    left_out: str | None = None


@dataclass(frozen=True)
class Plan:
    """What a batch does: its items, how their files look, whether existing files are replaced
    (``overwrite``) or their inputs skipped (``skip``), where frames go, and the format written
    to standard output (None: none)."""

    items: tuple[Item, ...]
    look: Look = Look()
    overwrite: bool = False
    skip: bool = False
    frames: Path | None = None
    stdout: str | None = None

    def may_replace(self, item: Item) -> bool:
        """Whether ``item``'s files may replace files that exist: with --overwrite, or with
        --skip-existing when every one of its outputs and frames that is there says it was
        stopped by Ctrl-C. Written together, they were stopped together: one that does not say
        so (the user's own, edited by hand, or a finished run's frame) is not ours to replace."""
        there = self._there(item)
        return self.overwrite or (self.skip and bool(there) and all(map(stopped, there)))

    def finished_kept(self, item: Item) -> bool:
        """Whether a result of ``item`` stopped by Ctrl-C must not be written: it would replace an
        output or frame that exists and was not stopped itself (an earlier run's finished one, or
        a file of the user's), which --overwrite asked to replace with a finished result."""
        return not all(map(stopped, self._there(item)))

    def _there(self, item: Item) -> list[Path]:
        """``item``'s outputs and frames that are there now, a link that leads nowhere too."""
        return [p for p in [*item.outputs, *self.frames_of(item)] if os.path.lexists(p)]

    def frames_of(self, item: Item) -> list[Path]:
        """The numbered frames of ``item``'s picture, ``<stem>.0001.png``..., that are in the
        frames folder now: a frame's number depends on how many shapes a run places, so the
        files a run would meet are these."""
        folder = self.frames / item.source.folder if self.frames else None
        if folder is None or not os.path.isdir(folder):
            return []
        return sorted(folder / name for name in os.listdir(folder) if frame_stem(name) == item.source.stem)

    def raster_side(self, item: Item, working: int) -> int | None:
        """The longer side of the largest raster that ``item`` draws (a PNG, JPEG or GIF, frames,
        or one to standard output): the look's size where it sets one; else ``working``, the
        working size, for GIFs and frames; else None, where a PNG or JPEG takes the input's own
        size, which --max-pixels bounds already, or where it draws none."""
        names = [p.suffix.lower() for p in item.outputs] + ([f".{self.stdout}"] if self.stdout else [])
        formats = {FORMATS[n] for n in names}
        moving = self.frames is not None or "GIF" in formats
        if self.look.size is not None and (moving or formats & RASTERS):
            return self.look.size
        return working if moving else None

    def verdict(self, item: Item) -> Result | None:
        """None when ``item`` needs converting, else its result at once: unreadable, skipped (every
        output exists, none of them stopped early) or refused (a file exists that may not be replaced)."""
        src = item.source
        if item.left_out:
            return Result(item.index, src.name, notes=[item.left_out])
        if src.error:
            return Result(item.index, src.name, error=f"cannot read '{src.name}': {src.error}")
        if item.error:
            return Result(item.index, src.name, error=item.error)
        try:
            frames = self.frames_of(item)
            folder = next((p for p in [*item.outputs, *frames] if os.path.isdir(p)), None)
            if folder is not None:
                return Result(item.index, src.name, error=f"cannot write '{folder}': it is a folder")
            replacing = self.may_replace(item)
            # A link that leads nowhere is there all the same: writing the output replaces it.
            kept = [] if replacing else [p for p in item.outputs if os.path.lexists(p)]
            frames = [] if replacing else frames
        except OSError as e:  # a name too long for the file system, say
            return Result(item.index, src.name, error=f"cannot write '{e.filename}': {reason(e)}")
        if not kept and not frames:
            return None
        # Skipped where every output is there to be read: a link that leads nowhere is no output.
        done = len(kept) == len(item.outputs) and all(map(os.path.exists, kept))
        if self.skip and done and not any(map(stopped, kept)):
            return Result(item.index, src.name, notes=["skipped, its outputs exist"])
        # Under --skip-existing, what stands in the way is a file or frame that no Ctrl-C stopped.
        first = next(p for p in kept + frames if not (self.skip and stopped(p)))
        also = (
            " (--skip-existing skips an input whose outputs all exist, and replaces only ones stopped by Ctrl-C)"
            if self.skip
            else " or --skip-existing to skip its input"
        )
        # A file of a frame's name that no run of primify wrote is replaced only where this run's
        # frames reach its number, and otherwise kept: --overwrite does not simply replace it.
        mine = first not in frames or frame(first)
        it = "replace it" if mine else "let frames replace it (it is kept where they stop short of its number)"
        return Result(item.index, src.name, error=f"'{first}' exists; pass --overwrite to {it}{also}")


def make(
    sources: list[Source],
    output: list[Path],
    out_dir: Path,
    template: str,
    formats: list[str],
    shape: str,
    shapes: int,
    read: tuple[Path, ...] = (),
    **options,
) -> Plan:
    """The plan: ``output`` files for a single source when given, else one file per format named
    by ``template`` in ``out_dir``; ``options`` are the other fields of ``Plan``. Folder and glob
    matches that primify wrote (by ``template``'s name or by its mark) are left out. Raises
    ValueError for an output that is an input (a source, or a file in ``read`` such as the mask),
    has an unknown extension or lies outside ``out_dir``. Inputs that would write the same file
    get that as their ``error``, so that the rest of the batch goes on. A format or an ``output``
    file given twice is written once."""
    formats = list(dict.fromkeys(formats))
    output = unique(output)
    own = own_outputs(template, formats, shape, shapes)
    mine = [s.scanned and own(s.path) for s in sources]
    if sources and all(mine):
        # Every match is a result of ours: a re-run that has nothing to do would say nothing.
        return Plan(tuple(Item(i, s, (), f"'{s.name}' is {OWN}") for i, s in enumerate(sources)), **options)
    sources = [s for s, m in zip(sources, mine, strict=True) if not m]
    # Named among others, as a shell's `*.png` names them, an output of ours is left out (each
    # asked once: it reads the file). An input left out, or known to be unusable (an empty file,
    # a glob that matched nothing), writes nothing, so it claims no file another input writes.
    left = left_out(sources)
    items = tuple(
        Item(
            i,
            src,
            ()
            if options.get("stdout") or src.error or out
            else tuple(output or outputs_for(src, out_dir, template, formats, shape, shapes)),
            left_out=out,
        )
        for i, (src, out) in enumerate(zip(sources, left, strict=True))
    )
    items = _clashes(items)
    outputs = [(p, item.source.name) for item in items for p in item.outputs]
    # An output of ours left out is no input: this run may write it again.
    inputs = [it.source.path for it in items if it.source.path and not it.left_out] + list(read)
    check_outputs(outputs, inputs)
    if options.get("frames"):
        check_frames(
            [it.source for it in items],
            options["frames"],
            [(p, "an input") for p in inputs] + [(p, f"an output of '{name}'") for p, name in outputs],
        )
    return Plan(items, **options)


def _clashes(items: tuple[Item, ...]) -> tuple[Item, ...]:
    """``items``, those that would write a file another one writes with that as their error. A
    file not named as a picture gives way to the one that is, as a shell's `*` names notes.txt
    beside notes.jpg; pictures, or only files of other names, all give way."""
    claims: dict[str, list[tuple[Item, Path]]] = {}
    for item in items:
        for p in item.outputs:
            group = claims.setdefault(os.path.realpath(p), [])
            # One input's two names for a file are check_outputs' to refuse, not a clash.
            if all(it is not item for it, _ in group):
                group.append((item, p))
    clash: dict[int, str] = {}
    pictures = None
    for group in claims.values():
        if len(group) < 2:
            continue
        pictures = pictures or image_suffixes()
        named = [it for it, _ in group if it.source.path is None or it.source.path.suffix.lower() in pictures]
        others = " and ".join(f"'{o.source.name}'" for o, _ in group)
        every = "both" if len(group) == 2 else "all"
        for it, p in group:
            # The first file that clashes is the one named.
            if len(named) != 1:
                clash.setdefault(it.index, f"cannot convert '{it.source.name}': {others} would {every} write '{p}'")
            elif it is not named[0]:
                winner = named[0].source.name
                clash.setdefault(
                    it.index, f"cannot convert '{it.source.name}': '{winner}', a picture by its name, writes '{p}'"
                )
    return tuple(replace(it, outputs=(), error=clash[it.index]) if it.index in clash else it for it in items)


def unique(paths: list[Path]) -> list[Path]:
    """``paths`` without a second name of a file already named (``a.png`` and ``./a.png``) in the
    same format, the first name kept; one file named in two formats is left for ``check_outputs``."""
    kept: dict[tuple[str, str], Path] = {}
    for path in paths:
        kept.setdefault((os.path.realpath(path), path.suffix.lower()), path)
    return list(kept.values())


def check_outputs(outputs: list[tuple[Path, str]], inputs: list[Path]) -> None:
    """Raises ValueError for an output (a path, and the name of the input it is written for) with
    an unknown extension, that is one of the ``inputs``, or that two inputs would both write."""
    known = {key: path for path in inputs for key in _keys(path)}
    owner: dict[str, str] = {}
    for path, name in outputs:
        if why := unwritable(path):
            raise ValueError(f"cannot write '{path}': {why}")
        for key in _keys(path):
            if key in known:
                raise ValueError(f"refusing to write '{path}': it is the input '{known[key]}'")
        key = os.path.realpath(path)
        if key in owner:
            if owner[key] != name:
                raise ValueError(f"'{owner[key]}' and '{name}' would both write '{path}'")
            raise ValueError(f"'{path}' is the same file as another output of '{name}'")
        owner[key] = name


def _keys(path: Path) -> list:
    """What makes a file the same file: its real path and, if it exists, its device and inode
    (so that symlinks, hard links and ``..`` are seen through)."""
    try:
        st = path.stat()
    except OSError:
        return [os.path.realpath(path)]
    return [os.path.realpath(path), (st.st_dev, st.st_ino)]
