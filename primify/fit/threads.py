"""torch's CPU thread count for a block of primify's work, without handing it to other threads.

``torch.set_num_threads`` sets the calling thread's count, and also the one that every thread
yet to start on torch takes up, for good, at its first parallel operation (or
``get_num_threads``). A block that ran on one thread for a moment (a few-shape search, a batch
of small windows) so handed 1 to any thread that first touched torch meanwhile: a conversion
there ran one search where it had two (another scene, and slower), and set 1 for the threads
after it. So a block sets the count for threads yet to start back at once (``_set``).
"""

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch

#: How many blocks run now, in every thread, and torch's count before the first: the count
#: outside them, which threads yet to start are to take up.
_lock = threading.Lock()
_blocks = 0
_outside = 0
#: This thread's own blocks (``depth``): a conversion run inside one (from a ``progress``
#: callback) is on 1 by that block's choice, which must hold again when it returns.
_here = threading.local()
#: The process whose conversions started GNU OpenMP's threads. They do not survive a fork: in a
#: forked child (a 'fork' multiprocessing pool) the first parallel operation would wait for them
#: for ever, so a conversion there runs on one thread.
_started_in: int | None = None
# A fork from another thread while one holds the lock would leave the child's locked for ever.
os.register_at_fork(before=_lock.acquire, after_in_parent=_lock.release, after_in_child=_lock.release)


@contextmanager
def threads(count: int) -> Iterator[None]:
    """Runs its block on ``count`` of torch's CPU threads; the count is restored afterwards."""
    global _blocks, _outside
    before = torch.get_num_threads()
    if count == before:  # nothing to change, or to hand on (a conversion's own count, a large batch)
        yield
        return
    depth, counted = getattr(_here, "depth", 0), False
    try:
        # Under the lock: a conversion that begins meanwhile takes up its count (``own_threads``)
        # only once the count outside is handed on again.
        with _lock:
            if not _blocks:
                _outside = before
            _blocks += 1
            counted = True
            _set(count)
        _here.depth = depth + 1
        yield
    finally:
        # Also where a Ctrl-C came while the count was being set (``_set`` waits for a thread):
        # left at 1, the count stayed so for the rest of a notebook's session.
        _here.depth = depth
        if counted:
            with _lock:
                _blocks -= 1
                _set(before)


def _set(count: int) -> None:
    """This thread's count, leaving ``_outside`` the one that threads yet to start on torch take
    up: ``torch.set_num_threads`` sets both, so a thread of its own sets that one back."""
    torch.set_num_threads(count)
    if count == _outside:
        return
    # Interrupted while waiting for it, the thread still sets the count.
    setter = threading.Thread(target=torch.set_num_threads, args=(_outside,), daemon=True)
    try:
        setter.start()
    except RuntimeError:  # no thread to be had (a limit on processes): only others' count is left as it is
        return
    setter.join()


def own_threads() -> int:
    """The count of torch's CPU threads for a conversion on this thread: its own; the count
    outside primify's blocks inside one of its own that runs on one (a conversion called from
    a ``progress`` callback); one in a process forked after a conversion (see ``_started_in``)."""
    global _started_in
    with _lock:
        if _started_in not in (None, os.getpid()):
            torch.set_num_threads(1)
            return 1
        _started_in = os.getpid()
        mine = torch.get_num_threads()
        return _outside if getattr(_here, "depth", 0) and mine == 1 < _outside else mine
