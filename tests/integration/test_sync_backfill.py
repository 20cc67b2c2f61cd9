"""The backfill: everything of the connected account, exactly once, read-only, resumable, within budget."""

import json
import time
from datetime import UTC

import pytest

from app.integrations.tables import StripeConnection
from app.stripe_data import catchup, sync
from app.stripe_data.tables import StripeInvoice, StripeInvoiceLine, StripeSubscription, SyncCheckpoint, SyncRun
from app.workspaces.services import set_plan
from tests.integration.sync_support import backfill, db_counts, expected_lines, line_count, link, standin_counts
from tests.plugins.standin import ELSEWHERE, NORTHWIND_DIGITAL


@pytest.fixture(name="ws")
async def fx_ws(alice, stripe_standin) -> int:
    """Alice's workspace (Agency plan) linked to Northwind Digital."""
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    return alice.workspace.id


class Crash(Exception):
    pass


async def test_a_backfill_pulls_everything_the_account_holds(ws, stripe_standin):
    run = await backfill(ws, NORTHWIND_DIGITAL)
    assert run.status == "done", run.error
    expected = standin_counts(stripe_standin, NORTHWIND_DIGITAL)
    assert await db_counts(ws) == expected
    assert await line_count(ws) == expected_lines(stripe_standin, NORTHWIND_DIGITAL)
    progress = sync.load_progress(run)
    assert {name: progress[name]["count"] for name in expected} == expected
    assert all(progress[name]["done"] for name in expected)


async def test_running_it_twice_changes_nothing(ws, stripe_standin):
    await backfill(ws, NORTHWIND_DIGITAL)
    first = await db_counts(ws), await line_count(ws)
    ids = {r["stripe_id"] for r in await StripeInvoice.select(StripeInvoice.stripe_id)}
    again = await backfill(ws, NORTHWIND_DIGITAL)
    assert again.status == "done"
    assert (await db_counts(ws), await line_count(ws)) == first
    assert {r["stripe_id"] for r in await StripeInvoice.select(StripeInvoice.stripe_id)} == ids
    assert await SyncRun.count() == 2


async def test_canceled_subscriptions_are_pulled_too(ws, stripe_standin):
    canceled = [
        s["id"]
        for s in stripe_standin.objects(NORTHWIND_DIGITAL, "subscriptions", limit=1000)
        if s["status"] == "canceled"
    ]
    assert canceled, "the seeded account should have canceled subscriptions"
    await backfill(ws, NORTHWIND_DIGITAL)
    stored = await StripeSubscription.select(StripeSubscription.stripe_id).where(
        StripeSubscription.status == "canceled"
    )
    assert {r["stripe_id"] for r in stored} == set(canceled)


async def test_invoices_with_more_than_ten_lines_get_all_their_lines(ws, stripe_standin):
    long_ones = [i for i in stripe_standin.objects(NORTHWIND_DIGITAL, "invoices", limit=1000) if i["lines"]["has_more"]]
    assert long_ones, "the seeded account should have an invoice with more than 10 lines"
    await backfill(ws, NORTHWIND_DIGITAL)
    for invoice in long_ones:
        lines = await StripeInvoiceLine.count().where(StripeInvoiceLine.invoice_id == invoice["id"])
        assert lines == invoice["lines"]["total_count"] > 10
        row = await StripeInvoice.objects().where(StripeInvoice.stripe_id == invoice["id"]).first()
        assert row.lines_complete


async def test_rows_carry_aware_timestamps_and_the_object_as_stripe_sent_it(ws, stripe_standin):
    newest = stripe_standin.objects(NORTHWIND_DIGITAL, "invoices", limit=1)[0]
    await backfill(ws, NORTHWIND_DIGITAL)
    row = await StripeInvoice.objects().where(StripeInvoice.stripe_id == newest["id"]).first()
    assert row.created.tzinfo is not None and row.created.astimezone(UTC).timestamp() == newest["created"]
    stored = json.loads(row.stripe_object) if isinstance(row.stripe_object, str) else row.stripe_object
    assert stored["id"] == newest["id"] and row.total == newest["total"] and row.status == newest["status"]
    # Its lines are rows of their own: the stored list keeps Stripe's counts, not the lines a second time.
    assert stored["lines"]["total_count"] == newest["lines"]["total_count"] and "data" not in stored["lines"]
    assert row.account_id == NORTHWIND_DIGITAL


async def test_a_sync_killed_mid_window_resumes_from_every_windows_checkpoint_without_duplicates_or_gaps(
    ws, stripe_standin
):
    def crash_on_third_page(stream: str, pages: int) -> None:
        if stream == "invoices" and pages == 3:
            raise Crash("worker killed")  # the third invoice page and its checkpoint are committed; the rest is lost

    with pytest.raises(Crash):
        await backfill(ws, NORTHWIND_DIGITAL, after_page=crash_on_third_page)
    run = await SyncRun.objects().first()
    progress = sync.load_progress(run)
    assert run.status == "failed" and "resumes" in run.error
    invoices = progress["invoices"]
    assert progress["customers"]["done"] and not invoices["done"]
    assert invoices["count"] == sum(w["count"] for w in invoices["windows"]) == await StripeInvoice.count(), (
        "the checkpoint counts exactly what was written with it"
    )
    unfinished = [w for w in invoices["windows"] if not w["done"] and w["cursor"]]
    assert unfinished, "killed mid-window"

    stripe_standin.clear_requests()
    resumed = await sync.run_backfill(run.id)
    assert resumed.status == "done"
    assert await db_counts(ws) == standin_counts(stripe_standin, NORTHWIND_DIGITAL)
    assert await line_count(ws) == expected_lines(stripe_standin, NORTHWIND_DIGITAL)
    reads = stripe_standin.requests(account=NORTHWIND_DIGITAL)
    assert not [r for r in reads if r["path"] == "/v1/customers"], "finished object types are not read again"
    invoice_queries = [r["query"] for r in reads if r["path"] == "/v1/invoices"]
    for window in unfinished:
        assert any(f"starting_after={window['cursor']}" in q for q in invoice_queries), "resumed at its cursor"


async def test_a_done_run_is_not_run_again(ws, stripe_standin):
    run = await backfill(ws, NORTHWIND_DIGITAL)
    stripe_standin.clear_requests()
    assert await sync.run_backfill(run.id) is None
    assert stripe_standin.requests(account=NORTHWIND_DIGITAL) == []


async def test_the_sync_only_ever_sends_get_to_the_connected_account(ws, stripe_standin):
    stripe_standin.clear_requests()
    await backfill(ws, NORTHWIND_DIGITAL)
    await SyncCheckpoint.update({SyncCheckpoint.last_event_created: int(time.time()) - 3600}).where(
        SyncCheckpoint.workspace == ws
    )
    result = await catchup.run_catchup(ws)
    assert not result.skipped
    logged = stripe_standin.requests(account=NORTHWIND_DIGITAL)
    assert len(logged) > 10
    assert {r["method"] for r in logged} == {"GET"}
    assert any(r["path"] == "/v1/events" for r in logged)


async def test_a_revoked_token_stops_the_sync_and_asks_to_reconnect(client, alice, ws, stripe_standin):
    from tests.conftest import login

    stripe_standin.action("deauthorize", account=NORTHWIND_DIGITAL)
    run = await backfill(ws, NORTHWIND_DIGITAL)
    assert run.status == "failed" and "access was revoked" in run.error
    connection = await StripeConnection.objects().first()
    assert connection.status == "error" and "Reconnect Stripe" in connection.status_reason
    await login(client, alice)
    page = await client.get("/dashboard/integrations")
    assert 'data-state="error"' in page.text and "access was revoked" in page.text
    assert "Connect Stripe" in page.text


async def test_another_workspaces_account_is_not_touched(ws, charlie, stripe_standin):
    await link(stripe_standin, charlie.workspace.id, ELSEWHERE)
    await backfill(ws, NORTHWIND_DIGITAL)
    assert await StripeInvoice.count().where(StripeInvoice.workspace == charlie.workspace.id) == 0
    assert await StripeInvoice.count().where(StripeInvoice.account_id == ELSEWHERE) == 0
