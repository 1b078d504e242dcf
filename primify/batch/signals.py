"""Ctrl-C, SIGTERM and SIGHUP for the command line. A first Ctrl-C asks to stop and keep what
is done; a second one, SIGTERM or SIGHUP (the terminal closed) aborts at once: the abort
callbacks run (worker processes are ended) and KeyboardInterrupt (exit 130) or SystemExit (143,
129) unwinds, and outputs, written atomically, are either whole or not there."""

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_aborts: list[Callable[[], None]] = []


@contextmanager
def graceful(stopping: Callable[[], None] = lambda: None) -> Iterator[Callable[[], bool]]:
    """Yields ``stop()``, True once Ctrl-C has been pressed, and calls ``stopping()`` then (to
    say so); restores the handlers on exit."""
    pressed, saying = [], []

    def on_int(signum, frame):
        if saying:
            # The first is still saying that it stops: cut short, its line would be written
            # again with the next one (rich clears what it wrote only after writing it). It
            # aborts once the line is out.
            saying.append(True)
            return
        if pressed:
            _abort()
            raise KeyboardInterrupt
        pressed.append(True)
        saying.append(True)
        try:
            stopping()
        finally:
            again = len(saying) > 1
            saying.clear()
        if again:
            _abort()
            raise KeyboardInterrupt

    def on_term(signum, frame):
        _abort()
        raise SystemExit(128 + signum)

    # A signal the command was started ignoring (`trap "" INT`, a script's background job) stays
    # ignored: whoever started it meant it to outlive them.
    handlers = {signal.SIGINT: on_int, signal.SIGTERM: on_term, signal.SIGHUP: on_term}
    old = {n: signal.getsignal(n) for n in handlers}
    for n, handler in handlers.items():
        if old[n] is not signal.SIG_IGN:
            signal.signal(n, handler)
    try:
        yield lambda: bool(pressed)
    finally:
        for n in handlers:
            signal.signal(n, old[n])


@contextmanager
def on_abort(callback: Callable[[], None]) -> Iterator[None]:
    """Runs ``callback`` if the run is aborted while inside: whatever code the signal lands in,
    worker processes must not outlive it."""
    _aborts.append(callback)
    try:
        yield
    finally:
        _aborts.remove(callback)


def _abort() -> None:
    for callback in reversed(_aborts):
        try:
            callback()
        except Exception:  # an abort goes on whatever one callback does
            pass
