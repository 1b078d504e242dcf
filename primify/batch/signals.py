"""Ctrl-C and SIGTERM for the command line: a first Ctrl-C asks to stop and keep what is done,
a second one or SIGTERM aborts at once (outputs are written atomically, so nothing half-made
is left behind)."""

import signal
from contextlib import contextmanager
from typing import Callable, Iterator


@contextmanager
def graceful() -> Iterator[Callable[[], bool]]:
    """Yields ``stop()``, True once Ctrl-C has been pressed; restores the handlers on exit."""
    pressed = []

    def on_int(signum, frame):
        if pressed:
            raise KeyboardInterrupt
        pressed.append(True)

    def on_term(signum, frame):
        raise SystemExit(128 + signum)

    old = signal.signal(signal.SIGINT, on_int), signal.signal(signal.SIGTERM, on_term)
    try:
        yield lambda: bool(pressed)
    finally:
        signal.signal(signal.SIGINT, old[0])
        signal.signal(signal.SIGTERM, old[1])
