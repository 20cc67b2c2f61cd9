"""Two consumers syncing the same Stripe account at once share its one request budget, through Redis.

One `python -m app worker` process runs the account's backfill while another applies the account's webhook events,
whose invoices and subscriptions it reads again from Stripe (lines past the first 10, discounts' coupons). Their
queue and budget are on Redis in both suites; the database is the suite's.
"""

from __future__ import annotations

import os

import pytest

from app.integrations import webhooks
from app.integrations.tables import StripeEvent
from app.stripe_data import sync
from app.stripe_data.budget import endpoint_key
from app.stripe_data.tables import SyncRun
from app.workspaces.services import set_plan
from tasks.stripe_events import process_stripe_event
from tasks.sync import run_backfill
from tests.integration.consumers_support import Consumers
from tests.integration.sync_support import busiest_second, link
from tests.plugins.standin import NORTHWIND_DIGITAL, wait_until

REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
PER_SECOND, PER_ENDPOINT = 6, 3  # low, so each run alone takes seconds and two unshared budgets would show
DEADLINE = 120


@pytest.fixture(name="consumers")
def fx_consumers(tmp_path, stripe_standin):
    budget = {"STRIPE_REQUESTS_PER_SECOND": str(PER_SECOND), "STRIPE_REQUESTS_PER_ENDPOINT": str(PER_ENDPOINT)}
    consumers = Consumers(tmp_path, budget, deadline=DEADLINE, redis_url=REDIS_URL)
    yield consumers
    consumers.stop_all()


def _events_that_read_from_stripe(stripe_standin) -> list[dict]:
    """The account's events whose object is read again: invoices with more than 10 lines, discounted subscriptions."""
    events = []
    for event in stripe_standin.objects(NORTHWIND_DIGITAL, "events", limit=1000):
        obj = event["data"]["object"]
        if (obj.get("lines") or {}).get("has_more") or (obj.get("object") == "subscription" and obj.get("discounts")):
            events.append({**event, "account": NORTHWIND_DIGITAL})  # a Connect webhook names its account
    return events


async def test_a_backfill_and_the_accounts_webhooks_on_two_consumers_never_exceed_its_budget_together(
    alice, stripe_standin, consumers
):
    workspace = await set_plan(alice.workspace.id, "agency")
    await link(stripe_standin, workspace.id, NORTHWIND_DIGITAL)
    run = await sync.start_backfill(workspace.id, NORTHWIND_DIGITAL)
    events = [await webhooks.store(event) for event in _events_that_read_from_stripe(stripe_standin)]
    assert len(events) >= 10
    for _ in range(2):
        consumers.start()
    wait_until(
        lambda: sum("consumer started" in log.read_text().lower() for log in consumers.log_dir.glob("*.log")) == 2,
        timeout=60,
        interval=0.1,
        message="both consumers to start",
    )
    stripe_standin.clear_requests()

    backfill = consumers.enqueue(run_backfill, run.id)
    applied = [consumers.enqueue(process_stripe_event, event.id) for event in events]
    assert consumers.queue.result(backfill, blocking=True, timeout=DEADLINE)["status"] == "done", consumers.logs()
    for task in applied:
        consumers.queue.result(task, blocking=True, timeout=DEADLINE)

    ended = await SyncRun.objects().where(SyncRun.id == run.id).first()
    processed = [
        row["processed_at"]
        for row in await StripeEvent.select(StripeEvent.processed_at).where(StripeEvent.processed_at.is_not_null())
    ]
    assert len(processed) == len(events)
    meanwhile = [at for at in processed if ended.started_at < at < ended.finished_at]
    assert len(meanwhile) >= len(events) // 2, "the other consumer applied the events while the backfill ran"
    reads = stripe_standin.requests(account=NORTHWIND_DIGITAL)
    assert reads and {r["status"] for r in reads} == {200}
    assert busiest_second(reads)["all"] <= PER_SECOND
    per_endpoint = busiest_second(reads, key=lambda r: endpoint_key(r["path"]))
    assert max(per_endpoint.values()) <= PER_ENDPOINT, per_endpoint
