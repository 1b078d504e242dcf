"""Every output path of a batch is decided and checked here, in one place: which files each
input writes (``-o``, or a ``--name`` template in ``--out-dir``), which inputs need a task, and
which are reported at once (unreadable, skipped, or refused)."""

import os
import string
from pathlib import Path
from typing import Callable, Iterator

from ..io.formats import FORMATS
from .inputs import Source, read
from .work import Result, Task, reason

#: Output names unless ``--name`` says otherwise.
DEFAULT_NAME = "{stem}.primify.{ext}"
#: Fields a ``--name`` template may use.
FIELDS = ("stem", "shape", "shapes", "ext")


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




def check_template(template: str) -> None:
    """Raises ValueError unless ``template`` uses only the known fields and stays relative."""
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as e:
        raise ValueError(f"bad name template '{template}': {e}") from None
    unknown = names - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown field {{{sorted(unknown)[0]}}} in '{template}'; "
                         f"use {', '.join('{' + f + '}' for f in FIELDS)}")
    if Path(template).is_absolute() or ".." in Path(template).parts:
        raise ValueError(f"name template '{template}' must stay inside the output folder")


def outputs_for(source: Source, out_dir: Path, template: str, formats: list[str], shape: str, shapes: int) -> list[Path]:
    """The output paths of ``source``: one per format, named by ``template`` inside ``out_dir``
    plus the source's folder. Raises ValueError if a name would land outside ``out_dir``."""
    root = out_dir.resolve()
    paths = []
    for ext in formats:
        name = template.format(stem=source.stem, shape=shape.replace(",", "+"), shapes=shapes, ext=ext)
        path = out_dir / source.folder / name
        if not path.resolve().is_relative_to(root) or path.resolve() == root:
            raise ValueError(f"output name '{name}' would be written outside '{out_dir}'")
        paths.append(path)
    return paths


def check_output(path: Path, inputs: list[Path]) -> None:
    """Raises ValueError if ``path`` has an unknown extension or is one of the ``inputs``."""
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"cannot write '{path}': unknown extension '{path.suffix}' "
                         f"(use {', '.join(sorted(set(FORMATS)))})")
    if any(path.resolve() == i.resolve() for i in inputs):
        raise ValueError(f"refusing to write '{path}': it is an input")


