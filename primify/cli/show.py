"""What a person sees: errors and a summary line per picture on stderr, progress (bars on a
terminal, a plain line per quarter otherwise), and ``--json`` lines on stdout."""

import errno
import json
import sys
import unicodedata
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

from ..batch.report import describe, record
from ..batch.work import Result
from ..io.formats import Look
from ..io.reasons import reason


# File names and every other user text are printed as they are, never read as rich markup or
# emoji codes (`a:thumbs_up:.png`). Without emoji, printing imports nothing more: a first Ctrl-C
# prints from its handler, which can land while the main thread is importing what rich's
# first print with emoji imports, and found it half made (an ImportError and a traceback).
class Unfailing:
    """Standard error (``stream``, or ``sys.stderr`` as it is when written) as a file whose writes
    never fail: where it cannot be written (a full disk, a reader gone, as in ``2>&1 >lines.json
    | head``) the rest of what it would say is dropped, and the conversions and their --json
    lines on stdout go on, and a usage error still exits 2. A write that failed had failed the
    picture whose progress it reported."""

    lost = False

    def __init__(self, stream=None):
        self.stream = stream

    def _to(self):
        return self.stream if self.stream is not None else sys.stderr

    def write(self, text: str) -> int:
        if not self.lost and self._to() is not None:
            try:
                return self._to().write(text)
            except (OSError, ValueError):
                self.lost = True
        return len(text)

    def flush(self) -> None:
        self.write("")
        if not self.lost and self._to() is not None:
            try:
                self._to().flush()
            except (OSError, ValueError):
                self.lost = True

    def isatty(self) -> bool:
        return self._to() is not None and self._to().isatty()

    def __getattr__(self, name: str):
        return getattr(self._to(), name)


err = Console(file=Unfailing(), highlight=False, soft_wrap=True, markup=False, emoji=False)


#: Unicode categories shown as "?", as ls shows control characters: controls (a name's escape
#: sequence would drive the terminal), format characters (a right-to-left override reorders the
#: line, a zero-width space hides), line and paragraph separators (they split the line), and
#: the surrogates that stand for a name's undecodable bytes.
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def printable(text: str) -> str:
    """``text`` with its control, format and separator characters but the newline shown as "?"."""
    return "".join("?" if c != "\n" and unicodedata.category(c) in _HIDDEN else c for c in text)


def one_line(text: str) -> str:
    """``text`` with its control, format and separator characters, the newline too, shown as
    "?": a line about a file, whose name may hold any, stays one line for those who read lines."""
    return printable(text).replace("\n", "?")


def error(message: str, counter: str = "") -> None:
    """An error line on stderr: one line, whatever the names in it hold; ``counter`` ("[3/9] ")
    places it among a batch's lines."""
    err.print(Text.assemble(counter, ("error:", "red"), " ", one_line(message)))


class Show:
    """What the user sees: errors, one summary line per image and progress on stderr (bars on a
    terminal, a plain line per quarter otherwise), and ``--json`` lines on stdout."""

    def __init__(self, names: list[str], asked: int, quiet: bool, json_lines: bool, look: Look):
        self.names = [one_line(name) for name in names]
        self.asked, self.quiet, self.json, self.look = asked, quiet, json_lines, look
        self.failed = 0
        self.bars = (
            None
            if quiet or not err.is_terminal
            else Progress(
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[psnr]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
        )
        self.running, self.quarter = {}, {}

    @property
    def listens(self) -> bool:
        """Whether progress is shown at all: a fit that reports to no one skips painting each
        report at the working size to measure it (a few per cent of a few-shape fit)."""
        return bool(self.bars) or not self.quiet

    def __enter__(self):
        if self.bars:
            self.bars.start()
            self.overall = (
                self.bars.add_task("all images", total=len(self.names), psnr="") if len(self.names) > 1 else None
            )
        return self

    def __exit__(self, *exc):
        if self.bars:
            self.bars.stop()

    def _counter(self, index: int) -> str:
        return "" if len(self.names) == 1 else f"[{index + 1}/{len(self.names)}] "

    def _name(self, index: int) -> str:
        return self._counter(index) + self.names[index]

    def progress(self, index: int, p) -> None:
        if self.bars:
            if index not in self.running:
                self.running[index] = self.bars.add_task(self._name(index), total=p.total, psnr="")
            self.bars.update(self.running[index], completed=p.placed, psnr=f"{p.psnr:.2f} dB")
        elif not self.quiet and 4 * p.placed // p.total > self.quarter.get(index, 0) and p.placed < p.total:
            self.quarter[index] = 4 * p.placed // p.total
            err.print(f"{self._name(index)}: {p.placed}/{p.total} shapes, {p.psnr:.2f} dB")

    def done(self, result: Result, outputs: tuple[Path, ...]) -> None:
        if self.bars:
            if result.index in self.running:
                self.bars.remove_task(self.running.pop(result.index))
            if self.overall is not None:
                self.bars.advance(self.overall)
        if self.json:
            self._json_line(record(result, outputs, self.look))
        if result.error:
            self.failed += 1
            error(result.error, self._counter(result.index))
        elif result.stopped or not self.quiet:
            for line in describe(result, self._name(result.index), self.asked, outputs):
                err.print(one_line(line))

    def failures(self) -> None:
        """A batch's last line where some of it failed: their lines may have scrolled away."""
        if self.failed and len(self.names) > 1:
            error(f"{self.failed} of {len(self.names)} inputs failed; each has its line above")

    def _json_line(self, line: dict) -> None:
        """Writes a --json line; where standard output cannot take it (a full disk, closed), says
        so and ends the run, as a reader that went away (EPIPE, which click handles) does: the
        lines are the run's record, and the pictures after would have none."""
        try:
            if sys.stdout is None:  # started with standard output closed (`>&-`)
                raise OSError(errno.EBADF, "standard output is closed")
            sys.stdout.write(json.dumps(line) + "\n")
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as e:
            error(f"cannot write the --json lines to standard output: {reason(e)}")
            raise typer.Exit(1) from None
