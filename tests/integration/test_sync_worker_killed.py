"""A real Huey consumer SIGKILLed mid-window of a concurrent backfill: once the heartbeat timeout passes the
catch-up resumes the run, and it finishes with exactly the stand-in's objects, no duplicates and no gaps.

The consumers are `python -m app worker` processes on the test database and a real queue (SqliteHuey, or Redis on
the PostgreSQL run); see consumers_support.py.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from app.core.timeutil import utcnow
from app.stripe_data import sync
from app.stripe_data.tables import SyncRun
from app.workspaces.services import set_plan
from tasks.sync import run_backfill, run_catchup
from tests.integration.consumers_support import Consumers
from tests.integration.sync_support import TABLES, expected_lines, line_count, link
from tests.plugins.standin import NORTHWIND_DIGITAL
from tests.polling import eventually, wait_until

HEARTBEAT_TIMEOUT = 4  # seconds, SYNC_HEARTBEAT_TIMEOUT_SECONDS of the consumers below
DEADLINE = 90


@pytest.fixture(name="consumers")
def fx_consumers(tmp_path, stripe_standin):
    consumers = Consumers(tmp_path, {"SYNC_HEARTBEAT_TIMEOUT_SECONDS": str(HEARTBEAT_TIMEOUT)}, deadline=DEADLINE)
    yield consumers
    consumers.stop_all()  # before the root conftest empties the tables under them


async def _run(run_id: int) -> SyncRun:
    return await SyncRun.objects().where(SyncRun.id == run_id).first()


async def _stored_ids(table) -> list[str]:
    return [row["stripe_id"] for row in await table.select(table.stripe_id)]


async def test_a_consumer_killed_mid_backfill_is_resumed_after_the_heartbeat_timeout_without_duplicates_or_gaps(
    alice, stripe_standin, consumers
):
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    ws = alice.workspace.id
    await link(stripe_standin, ws, NORTHWIND_DIGITAL)
    run = await sync.start_backfill(ws, NORTHWIND_DIGITAL)
    stripe_standin.set_faults(latency_ms=200)  # slow enough that the backfill is still mid-way when it is killed

    first = consumers.start()
    consumers.enqueue(run_backfill, run.id)

    async def mid_invoices() -> dict | None:
        progress = sync.load_progress(await _run(run.id))
        invoices = progress.get("invoices") or {}
        windows = invoices.get("windows") or []
        mid_window = any(w["cursor"] and not w["done"] for w in windows)
        return progress if invoices.get("count", 0) >= 100 and mid_window else None

    async def mid_invoices_while_alive() -> dict | None:
        assert first.poll() is None, consumers.logs()  # a consumer that died early fails now, not at the deadline
        return await mid_invoices()

    await eventually(mid_invoices_while_alive, timeout=DEADLINE, message="the backfill to get half way")
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    killed = await _run(run.id)
    checkpoint = sync.load_progress(killed)
    assert first.returncode == -signal.SIGKILL and killed.status == "running", "killed, it could not say so"
    assert checkpoint["customers"]["done"] and not checkpoint["invoices"]["done"]
    mid_window = [w for w in checkpoint["invoices"]["windows"] if w["cursor"] and not w["done"]]
    assert mid_window, "killed in the middle of a window"

    consumers.start()
    # A catch-up of a workspace without Stripe touches nothing: its answer says the new consumer is up, long after
    # the dead one's last request was answered, so the log from here on is the new consumer's alone.
    assert consumers.call(run_catchup, 0)["skipped"] == "not connected"
    stripe_standin.clear_requests()
    # What the periodic catch-up does for the workspace; within the heartbeat timeout the run still looks alive.
    result = consumers.call(run_catchup, ws)
    deadline = time.monotonic() + DEADLINE
    while not result["relisted"] and (await _run(run.id)).status != "done":
        assert result["skipped"] == "a sync is running", result
        assert time.monotonic() < deadline, f"the run was never taken over\n{consumers.logs()}"
        wait_until(
            lambda: (utcnow() - killed.heartbeat_at).total_seconds() > HEARTBEAT_TIMEOUT,
            timeout=DEADLINE,
            interval=0.1,
            message="the dead consumer's heartbeat to go stale",
        )
        result = consumers.call(run_catchup, ws)

    resumed = await _run(run.id)
    assert resumed.status == "done", f"{resumed.error}\n{consumers.logs()}"
    stripe_standin.clear_faults()
    after = stripe_standin.requests(account=NORTHWIND_DIGITAL)
    assert after and after[0]["time"] - killed.heartbeat_at.timestamp() >= HEARTBEAT_TIMEOUT, (
        "taken over only once the heartbeat was older than the timeout"
    )
    assert not [r for r in after if r["path"] == "/v1/customers"], "finished object types are not read again"
    invoice_queries = [r["query"] for r in after if r["path"] == "/v1/invoices"]
    for window in mid_window:
        assert any(f"starting_after={window['cursor']}" in q for q in invoice_queries), "resumed at its checkpoint"

    for name, table in TABLES.items():
        stored = await _stored_ids(table)
        expected = {obj["id"] for obj in stripe_standin.objects(NORTHWIND_DIGITAL, name, limit=100_000)}
        assert len(stored) == len(set(stored)), f"duplicate {name}"
        assert set(stored) == expected, (
            f"{name}: missing {sorted(expected - set(stored))[:5]}, extra {sorted(set(stored) - expected)[:5]}"
        )
    assert await line_count(ws) == expected_lines(stripe_standin, NORTHWIND_DIGITAL)
    assert await SyncRun.count() == 1, "the same run resumed, no second one"
