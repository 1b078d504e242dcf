"""What becomes of a result: its files written, a ``--json`` line, and lines for a person."""

import gzip
from pathlib import Path
from typing import TYPE_CHECKING

from ..io.files import place
from ..io.formats import FORMATS, Look, encode, frame_files, to_stdout
from ..io.marks import STOPPED, frame
from ..model import shapes_word
from ..shapes import KINDS
from .work import Result

if TYPE_CHECKING:
    from .plan import Item, Plan


#: The note of a result stopped by Ctrl-C that was not written (``Plan.finished_kept``).
NOT_WRITTEN = "not written: files of its outputs' names are there, not stopped by Ctrl-C, and are kept"


def save(result: Result, item: "Item", plan: "Plan") -> None:
    """Writes a result's files as ``plan`` says, all or none (rasters at the input's own size
    unless the plan's look sets one), and to standard output. A result stopped by Ctrl-C says
    so in its files, so that --skip-existing does it again."""
    scene = result.scene
    note = _note(result)
    files = [(p, encode(scene, FORMATS[p.suffix.lower()], plan.look, result.size, note)) for p in item.outputs]
    if plan.frames:
        files += frame_files(scene, plan.frames / item.source.folder, item.source.stem, plan.look, result.size, note)
    replace = plan.may_replace(item)
    place(files, lambda path: replace)
    if replace:
        # Frames past this run's last one are an earlier run's, and would make one sequence of two.
        stale = {p for p in plan.frames_of(item) if frame(p)} - {p for p, _ in files}
        for path in stale:
            path.unlink(missing_ok=True)
    if plan.stdout:
        to_stdout(encode(scene, FORMATS["." + plan.stdout], plan.look, result.size, note))


def _note(result: Result) -> str:
    """What a result's files say of how it ended: stopped by Ctrl-C, or nothing."""
    return f"{STOPPED} by Ctrl-C with {len(result.scene.shapes)} shapes" if result.stopped else ""


def record(result: Result, outputs: tuple[Path, ...], look: Look = Look()) -> dict:
    """The result as one ``--json`` line's object; ``svg_bytes`` and ``svg_gzip_bytes`` (gzip -9)
    are the size of its SVG as ``look`` draws it, so that a site build can check its budget."""
    written = result.status in ("ok", "skipped", "stopped")
    kinds = result.kinds
    svg = encode(result.scene, "SVG", look, result.size, _note(result)) if result.scene else None
    psnr = None if result.psnr is None else round(result.psnr, 3)
    return {
        "input": result.name,
        "status": result.status,
        "outputs": [str(p) for p in outputs] if written else [],
        "kinds": kinds,
        "shapes": sum(kinds.values()),
        "psnr": psnr,
        "seconds": round(result.seconds, 3),
        "device": result.device,
        "error": result.error,
        "notes": result.notes,
        "warnings": result.warnings,
        "svg_bytes": svg and len(svg),
        "svg_gzip_bytes": svg and len(gzip.compress(svg, 9, mtime=0)),
    }


def describe(result: Result, label: str, asked: int, outputs: tuple[Path, ...]) -> list[str]:
    """What to tell a person about a result that is not an error, a line each."""
    files = ", ".join(map(str, outputs)) or "standard output"
    shapes = sum(result.kinds.values())
    if result.stopped:
        if not result.scene:
            return [f"not started, Ctrl-C came first: {result.name}"]
        if NOT_WRITTEN in result.notes:
            return [f"stopped early by Ctrl-C: {result.name} {NOT_WRITTEN}"]
        # With every shape placed, Ctrl-C cut short the refinement that moves them all together.
        how = f"{shapes} of {asked} shapes"
        if shapes >= asked:
            how = f"all {shapes} shapes, their last refinement cut short"
        return [f"stopped early by Ctrl-C: {result.name} written with {how} -> {files}"]
    if result.scene is None:
        # Left out (an output of ours named among others) or skipped (--skip-existing): its note says why.
        return [f"{label}: {n}" for n in result.notes]
    lines = [f"{label}: note: {n}" for n in result.notes] + [f"{label}: warning: {w}" for w in result.warnings]
    # In KINDS's order, a variant (polygon:5) where its kind is.
    kinds = sorted(result.kinds, key=lambda k: list(KINDS).index(k.partition(":")[0]))
    count = " ".join(filter(None, [str(shapes), ",".join(kinds), shapes_word(shapes)]))
    return lines + [f"{label}: {count}, {result.psnr:.2f} dB, {result.seconds:.1f} s on {result.device} -> {files}"]
