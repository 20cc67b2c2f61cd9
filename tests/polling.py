"""Waiting in tests for something that happens elsewhere (a server, a worker, a webhook): poll it with a deadline.

The only poll loops of the suite, so a wait is never a fixed sleep: each returns as soon as the condition holds and
fails with what it waited for once the deadline passes.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any

POLL_INTERVAL = 0.02


def wait_until(
    predicate: Callable[[], Any], timeout: float = 10.0, interval: float = POLL_INTERVAL, message: str = "condition"
) -> Any:
    """Poll ``predicate`` (a plain function) until it returns something truthy; that value is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


async def eventually(check: Callable[[], Any], timeout: float = 60.0, message: str = "condition") -> Any:
    """`wait_until` for async tests: ``check`` may be a plain or an async function; the loop keeps running."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        await asyncio.sleep(POLL_INTERVAL)
