"""Incremental sync: webhooks upsert what they carry (once, for connected accounts only); the catch-up
heals missed webhooks from /v1/events and re-lists when the checkpoint is past Stripe's 30 days."""

import time

import pytest

from app.integrations.tables import StripeEvent
from app.stripe_data import catchup
from app.stripe_data.tables import StripeCustomer, StripeInvoice, SyncCheckpoint, SyncRun
from app.workspaces.services import set_plan
from tests.integration.conftest import signed
from tests.integration.sync_support import backfill, db_counts, link, options, standin_counts
from tests.plugins.standin import ELSEWHERE, NORTHWIND_DIGITAL


@pytest.fixture(name="ws")
async def fx_ws(alice, stripe_standin) -> int:
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    return alice.workspace.id


def customer_event(standin, account: str, event_id: str, **changes) -> dict:
    customer = {**standin.objects(account, "customers", limit=1)[0], **changes}
    return {
        "id": event_id,
        "object": "event",
        "type": "customer.updated",
        "account": account,
        "livemode": False,
        "created": int(time.time()),
        "data": {"object": customer},
    }


def open_invoice(standin, account: str) -> dict:
    return next(i for i in standin.objects(account, "invoices", limit=1000) if i["status"] == "open")


async def test_a_webhook_replayed_ten_times_is_applied_once(client, ws, stripe_standin):
    event = customer_event(stripe_standin, NORTHWIND_DIGITAL, "evt_cust_replay", name="Renamed Ltd")
    for _ in range(10):
        payload, headers = signed(event)
        response = await client.post("/billing/stripe/webhook", content=payload, headers=headers)
        assert response.status_code == 200
    assert await StripeEvent.count() == 1
    stored = await StripeEvent.objects().first()
    assert stored.attempts == 1 and stored.processed_at is not None
    rows = await StripeCustomer.objects().where(StripeCustomer.workspace == ws)
    assert [(r.stripe_id, r.name) for r in rows] == [(event["data"]["object"]["id"], "Renamed Ltd")]


async def test_an_event_for_an_account_no_workspace_connects_is_ignored(client, ws, stripe_standin):
    event = customer_event(stripe_standin, ELSEWHERE, "evt_foreign")
    payload, headers = signed(event)
    assert (await client.post("/billing/stripe/webhook", content=payload, headers=headers)).status_code == 200
    assert (await StripeEvent.objects().first()).processed_at is not None
    assert await StripeCustomer.count() == 0


async def test_an_event_goes_only_to_the_workspace_connected_to_its_account(client, ws, charlie, stripe_standin):
    await link(stripe_standin, charlie.workspace.id, ELSEWHERE)
    payload, headers = signed(customer_event(stripe_standin, ELSEWHERE, "evt_charlie"))
    await client.post("/billing/stripe/webhook", content=payload, headers=headers)
    assert await StripeCustomer.count().where(StripeCustomer.workspace == charlie.workspace.id) == 1
    assert await StripeCustomer.count().where(StripeCustomer.workspace == ws) == 0


async def test_the_catch_up_applies_a_change_whose_webhook_never_arrived(ws, stripe_standin):
    await backfill(ws, NORTHWIND_DIGITAL)
    invoice = open_invoice(stripe_standin, NORTHWIND_DIGITAL)
    stripe_standin.action("pay_invoice", account=NORTHWIND_DIGITAL, invoice=invoice["id"])
    assert (await StripeInvoice.objects().where(StripeInvoice.stripe_id == invoice["id"]).first()).status == "open"
    before = (await SyncCheckpoint.objects().first()).last_event_created

    result = await catchup.run_catchup(ws, options(NORTHWIND_DIGITAL))
    assert result.events_applied >= 1 and not result.relisted
    row = await StripeInvoice.objects().where(StripeInvoice.stripe_id == invoice["id"]).first()
    assert row.status == "paid" and row.amount_remaining == 0 and row.paid_at is not None
    assert (await SyncCheckpoint.objects().first()).last_event_created > before
    assert await SyncRun.count() == 1, "an events catch-up needs no re-listing run"


async def test_a_catch_up_past_stripes_30_days_of_events_re_lists(ws, stripe_standin):
    await backfill(ws, NORTHWIND_DIGITAL)
    stripe_standin.set_clock(int(time.time()) + 31 * 24 * 3600)
    invoice = open_invoice(stripe_standin, NORTHWIND_DIGITAL)
    stripe_standin.action("pay_invoice", account=NORTHWIND_DIGITAL, invoice=invoice["id"])

    stripe_standin.clear_requests()
    result = await catchup.run_catchup(ws, options(NORTHWIND_DIGITAL))
    assert result.relisted and result.run_id
    relist = await SyncRun.objects().where(SyncRun.id == result.run_id).first()
    assert relist.kind == "catchup" and relist.status == "done"
    paths = {r["path"] for r in stripe_standin.requests(account=NORTHWIND_DIGITAL)}
    assert {"/v1/customers", "/v1/invoices", "/v1/subscriptions", "/v1/charges", "/v1/refunds"} <= paths
    assert (await StripeInvoice.objects().where(StripeInvoice.stripe_id == invoice["id"]).first()).status == "paid"
    assert await db_counts(ws) == standin_counts(stripe_standin, NORTHWIND_DIGITAL)


async def test_an_old_checkpoint_by_our_own_clock_re_lists_without_asking_for_events(ws, stripe_standin):
    await backfill(ws, NORTHWIND_DIGITAL)
    await SyncCheckpoint.update({SyncCheckpoint.last_event_created: int(time.time()) - 40 * 24 * 3600}).where(
        SyncCheckpoint.workspace == ws
    )
    stripe_standin.clear_requests()
    result = await catchup.run_catchup(ws, options(NORTHWIND_DIGITAL))
    assert result.relisted
    assert not [r for r in stripe_standin.requests(account=NORTHWIND_DIGITAL) if r["path"] == "/v1/events"]
    assert (await SyncCheckpoint.objects().first()).last_event_created > time.time() - 3600


async def test_the_periodic_task_catches_up_every_connected_workspace(ws, stripe_standin):
    from tasks.sync import catch_up_all

    await backfill(ws, NORTHWIND_DIGITAL)
    invoice = open_invoice(stripe_standin, NORTHWIND_DIGITAL)
    stripe_standin.action("pay_invoice", account=NORTHWIND_DIGITAL, invoice=invoice["id"])
    assert catch_up_all.call_local() == 1
    assert (await StripeInvoice.objects().where(StripeInvoice.stripe_id == invoice["id"]).first()).status == "paid"
