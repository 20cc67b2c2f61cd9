"""One bad object never stops a sync: Stripe refusing one invoice's lines leaves that invoice partial, the rest of
the account syncs, the Stripe card says so, and a later catch-up completes it once Stripe answers again."""

from __future__ import annotations

import re

import pytest

from app.integrations.tables import StripeConnection
from app.settings import get_settings
from app.stripe_data import catchup, sync
from app.stripe_data.tables import StripeInvoice, StripeInvoiceLine, StripePartialObject
from app.workspaces.services import set_plan
from tests.conftest import login
from tests.integration.sync_support import backfill, db_counts, link, options, standin_counts
from tests.plugins.standin import NORTHWIND_DIGITAL

CARD = "/dashboard/integrations/stripe/card"
PROGRESS = "/dashboard/integrations/stripe/progress"


@pytest.fixture(name="ws")
async def fx_ws(alice, stripe_standin) -> int:
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    return alice.workspace.id


def _long_invoices(standin) -> list[dict]:
    long_ones = [i for i in standin.objects(NORTHWIND_DIGITAL, "invoices", limit=100_000) if i["lines"]["has_more"]]
    assert len(long_ones) >= 2, "the seeded account should have several invoices with more than 10 lines"
    return long_ones


def _refuse_lines(standin, invoice_id: str, status: int = 400) -> None:
    standin.set_faults(fail_next=-1, fail_path=f"/v1/invoices/{invoice_id}/lines", fail_status=status)


async def _lines(invoice_id: str) -> int:
    return await StripeInvoiceLine.count().where(StripeInvoiceLine.invoice_id == invoice_id)


async def _row(invoice_id: str) -> StripeInvoice:
    return await StripeInvoice.objects().where(StripeInvoice.stripe_id == invoice_id).first()


async def test_a_persistent_400_on_one_invoices_lines_leaves_it_partial_and_syncs_the_rest(ws, stripe_standin):
    broken, *others = _long_invoices(stripe_standin)
    _refuse_lines(stripe_standin, broken["id"])
    run = await backfill(ws, NORTHWIND_DIGITAL)
    assert run.status == "done", run.error
    assert await db_counts(ws) == standin_counts(stripe_standin, NORTHWIND_DIGITAL), "charges and refunds too"
    row = await _row(broken["id"])
    assert not row.lines_complete and await _lines(broken["id"]) == len(broken["lines"]["data"]) == 10
    for invoice in others:
        assert (await _row(invoice["id"])).lines_complete
        assert await _lines(invoice["id"]) == invoice["lines"]["total_count"]
    marks = await StripePartialObject.objects()
    assert [
        (m.workspace, m.account_id, m.object_type, m.stripe_id, m.what, m.status_code, m.attempts) for m in marks
    ] == [(ws, NORTHWIND_DIGITAL, "invoice", broken["id"], "lines", 400, 1)]
    assert "Invalid request" in marks[0].error and marks[0].first_seen_at is not None


async def test_the_catch_up_retries_a_partial_invoice_and_clears_it_once_stripe_answers(ws, stripe_standin):
    broken = _long_invoices(stripe_standin)[0]
    _refuse_lines(stripe_standin, broken["id"])
    assert (await backfill(ws, NORTHWIND_DIGITAL)).status == "done"

    still = await catchup.run_catchup(ws, options(NORTHWIND_DIGITAL))
    assert not still.skipped and still.partials_completed == 0
    mark = await StripePartialObject.objects().first()
    # Tried once more in this catch-up: by its retry, or by a new event about the invoice (then the retry waits).
    assert mark.attempts == 2 and mark.last_tried_at > mark.first_seen_at
    assert not (await _row(broken["id"])).lines_complete

    stripe_standin.clear_faults()
    done = await catchup.run_catchup(ws, options(NORTHWIND_DIGITAL))
    assert not done.skipped
    assert await StripePartialObject.count() == 0
    assert (await _row(broken["id"])).lines_complete
    assert await _lines(broken["id"]) == broken["lines"]["total_count"]


async def test_the_retry_step_is_bounded_per_catch_up(ws, stripe_standin, monkeypatch):
    from app.stripe_data import partials

    long_ones = _long_invoices(stripe_standin)
    stripe_standin.set_faults(fail_next=-1, fail_path="/v1/invoices/in_", fail_status=404)
    # Every invoice's lines (and any single invoice read) answer 404 now; the lists themselves still work.
    assert (await backfill(ws, NORTHWIND_DIGITAL)).status == "done"
    assert await StripePartialObject.count() == len(long_ones)
    monkeypatch.setattr(partials, "RETRY_LIMIT", 1)
    stripe_standin.clear_requests()
    await catchup.run_catchup(ws, options(NORTHWIND_DIGITAL))
    # The retry step reads the invoice itself again (events applied on the way may read some lines too).
    retried = [
        r["path"].rsplit("/", 1)[1]
        for r in stripe_standin.requests(account=NORTHWIND_DIGITAL)
        if re.fullmatch(r"/v1/invoices/in_\w+", r["path"])
    ]
    assert len(retried) == 1
    mark = await StripePartialObject.objects().where(StripePartialObject.stripe_id == retried[0]).first()
    assert mark.attempts == 2 and "404" in str(mark.status_code)
    assert await StripePartialObject.count() == len(long_ones)


@pytest.mark.parametrize("status", [401, 403])
async def test_a_whole_account_refusal_still_stops_the_sync_at_once(ws, stripe_standin, status):
    broken = _long_invoices(stripe_standin)[0]
    _refuse_lines(stripe_standin, broken["id"], status)
    run = await backfill(ws, NORTHWIND_DIGITAL)
    assert run.status == "failed" and "access was revoked" in run.error
    assert not sync.load_progress(run).get("charges", {}).get("done")
    assert await StripePartialObject.count() == 0
    assert (await StripeConnection.objects().first()).status == "error"


async def test_the_stripe_card_says_which_objects_are_partial_and_why(client, alice, ws, stripe_standin):
    broken = _long_invoices(stripe_standin)[0]
    _refuse_lines(stripe_standin, broken["id"])
    assert (await backfill(ws, NORTHWIND_DIGITAL)).status == "done"
    await login(client, alice)
    pages = {
        "page": await client.get("/dashboard/integrations"),
        "card": await client.get(CARD, headers={"HX-Request": "true"}),
        "progress": await client.get(PROGRESS, headers={"HX-Request": "true"}),
    }
    for name, response in pages.items():
        assert response.status_code in (200, 286), name
        text = response.text
        assert 'data-testid="sync-partials"' in text and 'data-count="1"' in text, name
        assert "1 object could not be read completely" in text, name
        assert f'data-stripe-id="{broken["id"]}"' in text, name
        assert "Stripe answered 400 &#39;Invalid request" in text and "when reading its lines" in text, name
        assert "We retry every 15 minutes" in text, name
        assert f'href="mailto:{get_settings().support_email}"' in text, name
    assert "<html" not in pages["card"].text and "<html" in pages["page"].text

    stripe_standin.clear_faults()
    await catchup.run_catchup(ws, options(NORTHWIND_DIGITAL))
    assert 'data-testid="sync-partials"' not in (await client.get("/dashboard/integrations")).text
