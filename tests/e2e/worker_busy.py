"""What the e2e worker subprocess still has to do, read where that worker reads it.

The test process's own `tasks.huey` runs immediately, in memory, so its queue is always empty; the worker started
by the `server` fixture (`python -m app worker`) reads the real SqliteHuey file or Redis list. Before tables are
emptied, a test waits until that queue is empty and no task is executing (a dequeued task is no longer in the queue),
nor about to be (a sync run or a stored webhook event whose task has not started).
"""

from __future__ import annotations

import asyncio
import functools
import time

from huey.api import Huey

from app.integrations.tables import StripeEvent
from app.settings import get_settings
from app.stripe_data.tables import SyncRun, SyncStatus
from tasks.queue import build_huey, tasks_in_flight

POLL_SECONDS = 0.1
# A task moves between the states read here (queued -> executing -> scheduled for a retry) within microseconds:
# idle twice in a row, a poll apart, is idle.
IDLE_READINGS = 2


class WorkerStillBusy(AssertionError):
    """The worker still had work when the deadline passed."""


@functools.cache
def real_queue() -> Huey:
    """The queue the worker subprocess consumes: same backend, same name, not immediate."""
    return build_huey(get_settings())


async def still_busy() -> list[str]:
    """What the worker has left to do, in words; empty when it is idle."""
    queue = real_queue()
    busy = [
        f"{count} {what}"
        for count, what in (
            (queue.pending_count(), "queued"),
            (queue.scheduled_count(), "scheduled for later (retries)"),
            (tasks_in_flight(queue), "executing in the worker"),
        )
        if count
    ]
    started = (SyncRun.status == SyncStatus.queued.value) | (SyncRun.status == SyncStatus.running.value)
    runs = await SyncRun.select(SyncRun.id, SyncRun.status).where(started)
    if runs:
        busy.append("sync runs " + ", ".join(f"#{run['id']} {run['status']}" for run in runs))
    # Stored by the web process, its task not started yet (the queue may not show it until the request commits).
    events = await StripeEvent.select(StripeEvent.event_id).where(
        StripeEvent.processed_at.is_null() & (StripeEvent.attempts == 0)
    )
    if events:
        busy.append("webhook events not yet attempted " + ", ".join(event["event_id"] for event in events))
    return busy


async def wait_until_idle(timeout: float) -> None:
    """Return once the worker is idle; raise WorkerStillBusy, naming what is left, after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    idle_readings = 0
    while True:
        busy = await still_busy()
        idle_readings = 0 if busy else idle_readings + 1
        if idle_readings == IDLE_READINGS:
            return
        if busy and time.monotonic() > deadline:
            raise WorkerStillBusy(f"the worker was still busy {timeout:g} s after the test: {'; '.join(busy)}")
        await asyncio.sleep(POLL_SECONDS)  # the poll interval of a loop with a deadline
