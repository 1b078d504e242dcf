"""The ``primify`` command line: a thin layer over the library, and the only part of primify that
uses typer and rich. It parses options into the library's values, runs, and shows what comes back."""

import gc
import os
import sys
from typing import Annotated

import typer

from ..version import __version__
from .convert import convert
from .render import render
from .show import err

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
    help="Rebuild pictures from geometric primitives; write PNG and SVG.",
)
app.command()(convert)
app.command()(render)


def _version(value: bool) -> None:
    if value:
        print(f"primify {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print primify's version and exit.")
    ] = False,
) -> None:
    """Rebuild pictures from geometric primitives; write PNG and SVG."""


def main() -> None:
    """Runs the command line and ends the process with its exit status."""
    # The process is the command's own and ends with it: what exists now (modules, torch's
    # objects) is never garbage, so the collector need never scan it again while fitting.
    gc.freeze()
    try:
        app()
        code = 0
    except SystemExit as e:
        code = e.code
    except KeyboardInterrupt:
        err.print("interrupted: nothing more written")
        code = 130
    _leave(code)


def _leave(code: int | str | None) -> None:
    """Flushes standard output and error, then ends the process without the interpreter's
    teardown: every file is written and closed by now, and tearing down torch's modules took
    0.3 to 0.6 s of every command on 2 cores (half an 8-shape conversion's fitting time)."""
    if not isinstance(code, int):
        # SystemExit's message is printed as the interpreter would, and means failure.
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        # A reader that went away (``| head``) did not get everything: that is a failure.
        err.print("error: standard output was closed before everything was written to it")
        code = code or 1
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        code = code or 1
    os._exit(code)
