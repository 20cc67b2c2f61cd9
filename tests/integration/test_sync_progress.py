"""Connecting starts the backfill; the Stripe card shows live progress per object type via HTMX polling."""

import pytest

from app.stripe_data import sync
from app.stripe_data.tables import SyncRun
from app.workspaces.services import set_plan
from tests.conftest import login
from tests.integration.conftest import connect_through_oauth
from tests.integration.sync_support import db_counts, link, standin_counts
from tests.plugins.standin import NORTHWIND_DIGITAL

PROGRESS = "/dashboard/integrations/stripe/progress"


@pytest.fixture(name="owner")
async def fx_owner(client, alice, stripe_standin):
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await login(client, alice)
    return alice


async def test_connecting_runs_the_backfill_and_the_card_shows_the_counts(client, owner, stripe_standin):
    await connect_through_oauth(client, NORTHWIND_DIGITAL)
    run = await SyncRun.objects().first()
    assert run.kind == "backfill" and run.status == "done" and run.account_id == NORTHWIND_DIGITAL
    expected = standin_counts(stripe_standin, NORTHWIND_DIGITAL)
    assert await db_counts(owner.workspace.id) == expected
    page = await client.get("/dashboard/integrations")
    assert 'data-testid="sync-progress"' in page.text and f"Invoices {expected['invoices']:,}" in page.text
    assert 'hx-trigger="every 2s"' not in page.text, "a finished sync is not polled"


async def test_while_syncing_the_fragment_polls_and_shows_counts_of_an_estimate(client, owner, stripe_standin):
    await link(stripe_standin, owner.workspace.id, NORTHWIND_DIGITAL)
    run = await sync.start_backfill(owner.workspace.id, NORTHWIND_DIGITAL)
    await SyncRun.update(
        {
            SyncRun.status: "running",
            SyncRun.progress: (
                '{"customers": {"cursor": "cus_1", "done": true, "count": 40, "estimate": 40},'
                ' "invoices": {"cursor": "in_1", "done": false, "count": 3400, "estimate": 12000},'
                ' "charges": {"cursor": "ch_1", "done": false, "count": 100, "estimate": null}}'
            ),
        }
    ).where(SyncRun.id == run.id)

    response = await client.get(PROGRESS, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and 'hx-trigger="every 2s"' in response.text
    assert "Invoices 3,400 of ~12,000" in response.text and "Payments 100 so far" in response.text
    assert "Customers 40" in response.text

    page = await client.get("/dashboard/integrations")
    assert 'hx-get="/dashboard/integrations/stripe/progress"' in page.text and "Syncing from Stripe" in page.text


async def test_polling_stops_when_the_sync_ends(client, owner, stripe_standin):
    await link(stripe_standin, owner.workspace.id, NORTHWIND_DIGITAL)
    run = await sync.start_backfill(owner.workspace.id, NORTHWIND_DIGITAL)
    await sync.run_backfill(run.id)
    response = await client.get(PROGRESS, headers={"HX-Request": "true"})
    assert response.status_code == 286, "htmx's stop-polling status"
    assert "hx-trigger" not in response.text and 'data-status="done"' in response.text
    assert response.headers["HX-Trigger"] == "stripe-sync-finished"


async def test_without_htmx_the_progress_url_renders_the_whole_page(client, owner, stripe_standin):
    await link(stripe_standin, owner.workspace.id, NORTHWIND_DIGITAL)
    await sync.start_backfill(owner.workspace.id, NORTHWIND_DIGITAL)
    response = await client.get(PROGRESS)
    assert response.status_code == 200
    assert "<html" in response.text and 'data-testid="stripe-card"' in response.text
    assert 'data-status="queued"' in response.text


async def test_a_failed_sync_says_what_went_wrong_and_what_to_do(client, owner, stripe_standin):
    await link(stripe_standin, owner.workspace.id, NORTHWIND_DIGITAL)
    stripe_standin.set_faults(fail_next=100, fail_path="/v1/customers", fail_status=500)
    run = await sync.start_backfill(owner.workspace.id, NORTHWIND_DIGITAL)
    from app.stripe_data.budget import BudgetedReader, RetryPolicy

    reader = BudgetedReader(NORTHWIND_DIGITAL, retry=RetryPolicy(attempts=2, scale=0.01))
    await sync.run_backfill(run.id, sync.SyncOptions(reader=reader))
    response = await client.get(PROGRESS, headers={"HX-Request": "true"})
    assert response.status_code == 286
    assert 'data-testid="sync-error"' in response.text
    assert "Stripe kept failing while we read your customers" in response.text and "tries again" in response.text


async def test_a_teammate_sees_the_progress_too_and_outsiders_see_nothing(client, owner, bob, charlie, stripe_standin):
    await link(stripe_standin, owner.workspace.id, NORTHWIND_DIGITAL)
    await sync.start_backfill(owner.workspace.id, NORTHWIND_DIGITAL)
    await login(client, bob)
    response = await client.get(PROGRESS, headers={"HX-Request": "true"})
    assert 'data-status="queued"' in response.text
    await login(client, charlie)
    response = await client.get(PROGRESS, headers={"HX-Request": "true"})
    assert 'data-status="none"' in response.text


OLDER_HISTORY = (
    '{"_since": 0, "recent_done": true,'
    ' "customers": {"count": 40, "done": true, "estimate": 40, "windows": []},'
    ' "invoices": {"count": 360, "done": false, "estimate": 1000, "windows": [{"gte": 0, "lt": 9, "cursor": "",'
    ' "done": false, "count": 360}]},'
    ' "charges": {"count": 7, "done": false, "estimate": null, "windows": []},'
    ' "lines": {"pending": 12, "done": 30}}'
)


async def _running(owner, stripe_standin, progress: str) -> None:
    await link(stripe_standin, owner.workspace.id, NORTHWIND_DIGITAL)
    run = await sync.start_backfill(owner.workspace.id, NORTHWIND_DIGITAL)
    await SyncRun.update({SyncRun.status: "running", SyncRun.progress: progress}).where(SyncRun.id == run.id)


async def test_with_recent_months_in_the_fragment_says_older_history_is_importing_with_lines_pending(
    client, owner, stripe_standin
):
    await _running(owner, stripe_standin, OLDER_HISTORY)
    response = await client.get(PROGRESS, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    # 40 of 40 customers and 360 of ~1,000 invoices (payments have no estimate yet): 400 of 1,040.
    assert "still importing older history — 38%" in response.text and 'data-stage="older"' in response.text
    assert "Invoices 360 of ~1,000" in response.text and "Payments 7 so far" in response.text
    assert 'data-testid="sync-lines" data-pending="12"' in response.text
    assert "Invoice line items: 12 invoices still to read" in response.text
    page = await client.get(PROGRESS)
    assert "<html" in page.text and "still importing older history — 38%" in page.text


async def test_before_recent_months_are_in_the_fragment_says_newest_first_and_has_no_lines_row(
    client, owner, stripe_standin
):
    await _running(owner, stripe_standin, '{"customers": {"count": 3, "done": false, "estimate": null}}')
    response = await client.get(PROGRESS, headers={"HX-Request": "true"})
    assert 'data-stage="recent"' in response.text and "Newest first" in response.text
    assert "still importing older history" not in response.text and 'data-testid="sync-lines"' not in response.text
    assert "Customers 3 so far" in response.text and "%</strong>" not in response.text, "no percent without a basis"
    page = await client.get(PROGRESS)
    assert "<html" in page.text and 'data-stage="recent"' in page.text and 'aria-live="polite"' in page.text
