"""Pausing Python's cyclic garbage collector around work that makes many short-lived, acyclic containers.

Decoded Stripe JSON and the rows built from it have no reference cycles: reference counting frees them. Yet the
collector runs at every 700 new dicts and lists, and over the whole heap whenever the survivors have grown it by
a quarter. A page of 100 invoices is some 6,000 containers, a batch of pages 100,000: in the ingest benchmark the
collector took as long as decoding them. Paused, it runs once afterwards, over what is still alive.

Its count is of containers alive, not made: one freed takes one off. So a pause that lasts until a batch's
objects are freed again (the sync engine's writer holds one for each batch it writes) leaves almost nothing to
collect when it ends, where pausing page by page let each page survive a collection or two on its way out.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_resume = False  # whether the collector ran before the first of the current holders paused it


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block, nor while any other block (in any thread) is inside one: the
    collector runs again when the last of them ends, and only if it ran before the first began."""
    global _holders, _resume
    with _lock:
        if _holders == 0:
            _resume = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _resume:
                gc.enable()
