"""The e2e teardown waits for the real worker: tasks it has queued, scheduled, or dequeued and not yet finished."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import sqlite3
from collections.abc import AsyncIterator

import asyncpg
import pytest

from app.core.timeutil import utcnow
from app.integrations.tables import StripeEvent
from app.settings import get_settings
from tasks import huey
from tasks.stripe_events import process_stripe_event
from tests.e2e.worker_busy import WorkerStillBusy, real_queue, wait_until_idle
from tests.polling import eventually


async def _stored_event() -> StripeEvent:
    """A verified event as the webhook route stores it; no handler, so applying it only marks it processed."""
    event_id = f"evt_{secrets.token_hex(8)}"
    row = StripeEvent(
        event_id=event_id, event_type="balance.available", payload=json.dumps({"id": event_id}), received_at=utcnow()
    )
    await row.save()
    return row


def _enqueue(task) -> None:
    """Put a task on the worker's real queue (the test process's `tasks.huey` would run it inline)."""
    real_queue().storage.enqueue(huey.serialize_task(task), task.priority)


@contextlib.asynccontextmanager
async def _writes_blocked(row_ids: list[int]) -> AsyncIterator[None]:
    """Hold a lock that stops the worker's first write for these events, as another long transaction would."""
    settings = get_settings()
    table = StripeEvent._meta.tablename
    if settings.uses_postgres:
        conn = await asyncpg.connect(settings.database_url)
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute(f"SELECT id FROM {table} WHERE id = ANY($1::int[]) FOR UPDATE", row_ids)
        try:
            yield
        finally:
            await transaction.rollback()
            await conn.close()
    else:
        # The worker's SQLite connection waits up to its 30 s busy timeout for this write lock.
        conn = sqlite3.connect(settings.sqlite_path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.rollback()
            conn.close()


async def test_the_wait_outlasts_tasks_the_worker_has_dequeued_and_not_finished(server):
    queue = real_queue()
    rows = [await _stored_event() for _ in range(3)]
    async with _writes_blocked([row.id for row in rows]):
        for row in rows:
            _enqueue(process_stripe_event.s(row.id))
        # Two worker threads: each takes a task and blocks on the lock, the third task waits in the queue.
        await eventually(
            lambda: 1 <= queue.pending_count() < len(rows),
            timeout=15,
            message="the worker to take a task while another is still queued",
        )
        with pytest.raises(WorkerStillBusy) as still:
            await wait_until_idle(timeout=0.5)
        message = str(still.value)
        assert re.search(r"\b\d+ executing in the worker\b", message), message
        assert re.search(r"\b\d+ queued\b", message), message
    await wait_until_idle(timeout=30)
    unprocessed = await StripeEvent.select(StripeEvent.event_id).where(
        StripeEvent.id.is_in([row.id for row in rows]) & StripeEvent.processed_at.is_null()
    )
    assert unprocessed == [], "the wait returned before the worker finished its tasks"


async def test_the_wait_counts_a_task_scheduled_for_later_like_a_retry(server):
    queue = real_queue()
    _enqueue(process_stripe_event.s(0, delay=3600))  # the worker dequeues it, then files it in the schedule
    try:
        await eventually(lambda: queue.scheduled_count() == 1, timeout=15, message="the worker to schedule the task")
        with pytest.raises(WorkerStillBusy, match="1 scheduled for later"):
            await wait_until_idle(timeout=0.3)
    finally:
        queue.storage.flush_schedule()
    await wait_until_idle(timeout=5)
