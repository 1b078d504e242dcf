"""Output names: the fields a ``--name`` template may use, its checks, the paths it gives each
input (``plan`` decides, from these, every output path of a batch), which files are primify's
own outputs, by their names or their mark, and which files its frames may not take."""

import os
import re
import string
from collections.abc import Callable
from pathlib import Path

from ..io.marks import ours
from .inputs import NOTHING_IN_FOLDER, Source

#: Output names unless ``--name`` says otherwise.
DEFAULT_NAME = "{stem}.primify.{ext}"
#: Fields a ``--name`` template may use.
FIELDS = ("stem", "shape", "shapes", "ext")


def frame_stem(name: str) -> str | None:
    """The stem of the picture whose numbered frame ``<stem>.0001.png`` a file name is, if any."""
    found = re.fullmatch(r"(.+)\.\d{4,}\.png", name, re.DOTALL)  # a name may hold a newline
    return found and found.group(1)


def check_template(template: str) -> None:
    """Raises ValueError unless ``template`` uses only the known fields and stays relative."""
    if not template.strip():
        # It was taken as the default, silently.
        raise ValueError(f"the name template is empty; leave it out for the default, {DEFAULT_NAME}")
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as e:
        raise ValueError(f"bad name template '{template}': {e}") from None
    names = {f for _, f, _, _ in parts if f is not None}
    if any(spec or conversion for _, _, spec, conversion in parts):
        # '{stem!r}' quoted the name, and '{stem:>300}' padded it past what a file system takes.
        raise ValueError(f"name template '{template}': fields take no conversion or format, such as !r or :>9")
    unknown = names - set(FIELDS)
    if unknown:
        raise ValueError(
            f"unknown field {{{sorted(unknown)[0]}}} in '{template}'; use {', '.join('{' + f + '}' for f in FIELDS)}"
        )
    if Path(template).is_absolute() or ".." in Path(template).parts:
        raise ValueError(f"name template '{template}' must stay inside the output folder")


def check_extensions(template: str, formats: list[str]) -> None:
    """Raises ValueError unless ``template`` gives each format a name with its own extension."""
    for ext in formats:
        name = template.format(stem="<stem>", shape="triangle", shapes=1, ext=ext)
        if Path(name).name.lower() == "." + ext:  # Path reads '.png' as a hidden file's name
            raise ValueError(f"--name '{template}' gives the {ext} file no name before its extension")
        if Path(name).suffix.lower() != "." + ext:
            raise ValueError(f"--name '{template}' must end in .{{ext}}: it names the {ext} file '{name}'")


def kinds_word(shape: str) -> str:
    """``{shape}`` in a file name: the kinds joined by +, and ``polygon:5`` as ``polygon5``, as
    a colon is no part of a file's name on Windows (it names a stream) nor in macOS's Finder."""
    return shape.replace(",", "+").replace(":", "")


def name_pattern(template: str, formats: list[str], shape: str, shapes: int) -> re.Pattern:
    """The file names ``template`` gives this run's outputs, whatever their stem; one that never
    matches when the template names files by nothing but their stem (every picture would match)."""
    parts = list(string.Formatter().parse(Path(template).name))
    if all(not text.strip(".") and field in ("stem", "ext", None) for text, field, _, _ in parts):
        return re.compile(r"(?!)")
    fields = {
        "stem": ".+",
        "shape": re.escape(kinds_word(shape)),
        "shapes": str(shapes),
        "ext": "|".join(map(re.escape, formats)),
    }
    return re.compile(
        "".join(re.escape(text) + (f"(?:{fields[field]})" if field else "") for text, field, _, _ in parts)
    )


def outputs_for(
    source: Source, out_dir: Path, template: str, formats: list[str], shape: str, shapes: int
) -> list[Path]:
    """The output paths of ``source``: one per format, named by ``template`` inside ``out_dir``
    plus the source's folder. Raises ValueError if a name would land outside ``out_dir``."""
    # os.path's, not Path.resolve: that raises for a link in a loop, which making the folder
    # says (as for every other folder that cannot be made).
    root = Path(os.path.realpath(out_dir))
    paths = []
    for ext in formats:
        name = template.format(stem=source.stem, shape=kinds_word(shape), shapes=shapes, ext=ext)
        path = out_dir / source.folder / name
        # Its folder's real place, as ``files.place`` writes it: an output that is a link (to a
        # file anywhere) is replaced, never written through, so where it leads does not matter.
        real = Path(os.path.realpath(path.parent)) / path.name
        if not real.is_relative_to(root) or real == root:
            raise ValueError(f"output name '{name}' would be written outside '{out_dir}'")
        paths.append(path)
    return paths


#: Why an output of ours named among other inputs is not converted.
OWN_NAMED = "left out, as one of primify's own outputs named among others; name it on its own to convert it"


#: Why a folder with no pictures to convert, named among other inputs, is not converted.
FOLDER_NAMED = "left out, named among others: {}"


def left_out(sources: list[Source]) -> list[str | None]:
    """Why each of ``sources``, named among others (as a shell's `*` names them), is left out: a
    file that carries primify's mark, or a folder with no pictures to convert (a re-run's
    out-dir, or one made before the first run); else None. Only the mark: a name is the user's
    to choose, and a picture of theirs that a template would name is theirs. Only a file: a pipe
    is read once."""
    # Others that are not there (a missing file, a glob that matched nothing) name nothing; a
    # folder with nothing to convert is there, and named: with it, an output of ours is among
    # others (`*` in a folder of our outputs and the out-dir), but not a picture to convert.
    # Counted once: asked of each source, counting would take the square of a `*`'s names.
    usable = sum(1 for s in sources if not s.error)
    named = usable + sum(1 for s in sources if s.error in NOTHING_IN_FOLDER)
    return [_why_left_out(s, usable, named) for s in sources]


def _why_left_out(source: Source, usable: int, named: int) -> str | None:
    path = source.path
    if source.scanned or path is None:
        return None
    if source.error in NOTHING_IN_FOLDER:
        return FOLDER_NAMED.format(source.error) if usable else None
    others = named - (0 if source.error else 1)
    return OWN_NAMED if others and not source.error and os.path.isfile(path) and ours(path) else None


def own_outputs(template: str, formats: list[str], shape: str, shapes: int) -> Callable[[Path], bool]:
    """Whether a picture is one of primify's outputs: named as ``template`` names this run's
    outputs, or carrying primify's mark, as every raster it writes does."""
    pattern = name_pattern(template, list(dict.fromkeys(formats)), shape, shapes)
    return lambda path: bool(pattern.fullmatch(path.name)) or ours(path)


def check_frames(sources: list[Source], frames: Path, files: list[tuple[Path, str]]) -> None:
    """Raises ValueError where one of ``files`` (a path, and what it is to the run: an input or
    another output) has the name of a frame that one of ``sources`` may write, or leads to such a
    file: writing the frames, or taking away an earlier run's, would replace or delete it."""
    writes = {(os.path.realpath(frames / src.folder), src.stem): src for src in sources}
    for path, what in files:
        for place in _entries(path):
            src = writes.get((os.path.dirname(place), frame_stem(os.path.basename(place))))
            if src is not None:
                raise ValueError(
                    f"refusing to write the frames of '{src.name}' to '{frames / src.folder}': "
                    f"'{path}', {what}, is named as one of them or leads to one"
                )


def _entries(path: Path) -> list[str]:
    """The folder entries that ``path`` goes through to its file, as real folders' paths and
    names: its own, every link's on the way, and the file's."""
    found, here = [], str(path)
    for _ in range(40):  # the kernel's own bound on links followed
        entry = os.path.join(os.path.realpath(os.path.dirname(here) or "."), os.path.basename(here))
        found.append(entry)
        if not os.path.islink(entry):
            break
        here = os.path.join(os.path.dirname(entry), os.readlink(entry))
    return found + [os.path.realpath(path)]
