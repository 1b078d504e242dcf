"""Imported only by the server that -j's workers are forked from (``startup.WORKER_MODULES``),
never by a command or a library user: that process ends, when the command is done with it,
without the interpreter's teardown. With torch loaded the teardown took 0.3 s, which the command
waits for (``startup.settle``) so that the server's time is counted as its own."""

import atexit
import os


def _end(server: int) -> None:
    # Only the server itself: its workers are forked with this registered, and multiprocessing
    # ends them with their own exit status, which this must never replace.
    if os.getpid() == server:
        os._exit(0)


atexit.register(_end, os.getpid())
