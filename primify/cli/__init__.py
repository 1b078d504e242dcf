"""The ``primify`` command line: a thin layer over the library, and the only part of primify that
uses typer and rich. It parses options into the library's values, runs, and shows what comes back."""

import contextlib
import gc
import importlib
import os
import signal
import sys

from .. import startup

#: What a command says at a first Ctrl-C, which keeps what is done...
STOPPING = "stopping: what is done is kept; Ctrl-C again stops at once"
#: ...and last, when a second one (or one during start-up) aborts it: outputs are whole or not there.
INTERRUPTED = "interrupted: nothing more written"


def main() -> None:
    """Runs the command line and ends the process with its exit status."""
    # Ctrl-C is caught from the start: most often it comes while torch is being imported.
    try:
        startup.spin_briefly()
        # -j's workers import torch as this process does: started first, they do it side by side.
        if startup.asks_for_workers(sys.argv[1:]):
            startup.warm()
        with startup.ctrl_c_kept(), startup.signals_left_to_main(), startup.collector_off():
            # torch first, on its own: as it is imported, torch inspects frames of the import
            # chain while it registers its operators, and under `python -m primify` a chain
            # through primify's own modules made that slower.
            import torch  # noqa: F401

            from .commands import app
            from .show import Unfailing
        # click prints a usage error to standard error before it exits 2, and one that could not
        # be written ended the command with a traceback no one saw, and exit 1.
        if sys.stderr is not None:
            sys.stderr = Unfailing(sys.stderr)
        # The process is the command's own and ends with it: what exists now (modules, torch's
        # objects) is never garbage, so the collector need never scan it again while fitting.
        gc.freeze()
        # SIGTERM, and SIGHUP (the terminal closed), unwind as Ctrl-C does: the files being
        # written are taken away, and the folders made for them (convert's batches decide more,
        # in batch.signals). Unless the command was started ignoring it (nohup), as meant.
        for signum in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(signum) is not signal.SIG_IGN:
                signal.signal(signum, _terminated)
        app()
        code = 0
    except SystemExit as e:
        code = e.code
        # typer turns a Ctrl-C that reaches it (one while `render` reads standard input, say)
        # into exit 130 and says nothing: its Exit is raised from the KeyboardInterrupt.
        if isinstance(getattr(e.__context__, "__cause__", None), KeyboardInterrupt):
            print(INTERRUPTED, file=sys.stderr)
    except KeyboardInterrupt:
        # Plain print: rich may not be imported yet, and importing it now would be more to stop.
        print(INTERRUPTED, file=sys.stderr)
        code = 130
    except OSError as e:
        # What click prints itself (--help, --version) to a standard output that cannot take it,
        # a full disk say: one line, not a traceback. (The commands say where they failed.)
        why = e.strerror or str(e)
        print(f"error: {why[:1].lower() + why[1:]}", file=sys.stderr)
        code = 1
    _leave(code)


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)


def __getattr__(name: str):
    # The typer application, for tests and for programs that embed it: imported when asked for,
    # so that ``main`` can start -j's workers before torch is imported.
    if name == "app":
        return importlib.import_module(".commands", __name__).app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _leave(code: int | str | None) -> None:
    """Flushes standard output and error, then ends the process without the interpreter's
    teardown: every file is written and closed by now, and tearing down torch's modules took
    0.3 to 0.6 s of every command on 2 cores (half an 8-shape conversion's fitting time)."""
    if not isinstance(code, int):
        # SystemExit's message is printed as the interpreter would, and means failure.
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    # A reader that went away (``| head``) did not get everything: that is a failure. click (and
    # typer's copy of it) catches the EPIPE of a write first, and leaves standard output wrapped
    # in its PacifyFlushWrapper, whose flush says nothing.
    closed = type(sys.stdout).__name__ == "PacifyFlushWrapper"
    try:
        # None where the command started with standard output closed (`>&-`).
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):
        closed = True
    if closed:
        print("error: standard output was closed before everything was written to it", file=sys.stderr)
        code = code or 1
    # What standard error could not take is lost, and fails nothing (``show.Unfailing``).
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()
    os._exit(code)
