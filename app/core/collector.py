"""Pausing Python's cyclic garbage collector around work that makes many short-lived, acyclic containers.

Decoded Stripe JSON and the rows built from it have no reference cycles: reference counting frees them. Yet the
collector runs at every 700 new dicts and lists, and over the whole heap whenever the survivors have grown it by
a quarter. A page of 100 invoices is some 6,000 containers, a batch of pages 100,000: in the ingest benchmark the
collector took as long as decoding them. Paused, it runs once afterwards, over what is still alive.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block. If it is paused already (another block, maybe in another thread),
    the block leaves it as it is: whoever paused it resumes it."""
    pausing = gc.isenabled()
    if pausing:
        gc.disable()
    try:
        yield
    finally:
        if pausing:
            gc.enable()
