"""The command line's typer application: its two commands and the version option."""

from typing import Annotated

import typer

from ..version import __version__
from .convert import convert
from .render import render

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
