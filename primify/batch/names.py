"""Output names: the fields a ``--name`` template may use, its checks, and the paths it gives
each input (``plan`` decides, from these, every output path of a batch)."""

import re
import string
from pathlib import Path

from .inputs import Source

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


def name_pattern(template: str, formats: list[str], shape: str, shapes: int) -> re.Pattern:
    """The file names ``template`` gives this run's outputs, whatever their stem; one that never
    matches when the template names files by nothing but their stem (every picture would match)."""
    parts = list(string.Formatter().parse(Path(template).name))
    if all(not text.strip(".") and field in ("stem", "ext", None) for text, field, _, _ in parts):
        return re.compile(r"(?!)")
    fields = {
        "stem": ".+",
        "shape": re.escape(shape.replace(",", "+")),
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
    root = out_dir.resolve()
    paths = []
    for ext in formats:
        name = template.format(stem=source.stem, shape=shape.replace(",", "+"), shapes=shapes, ext=ext)
        path = out_dir / source.folder / name
        if not path.resolve().is_relative_to(root) or path.resolve() == root:
            raise ValueError(f"output name '{name}' would be written outside '{out_dir}'")
        paths.append(path)
    return paths
