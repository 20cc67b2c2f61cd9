"""Signed data events from Stripe (invoices, subscriptions) are stored once and applied, decimal fields and all."""

import json

import pytest

from app.integrations import webhooks
from app.integrations.tables import StripeEvent
from app.stripe_data.tables import StripeInvoice, StripeSubscription
from app.workspaces.services import set_plan
from tasks.stripe_events import retry_unprocessed_events
from tests.integration.conftest import signed
from tests.integration.sync_support import backfill, link
from tests.plugins.standin import NORTHWIND_DIGITAL


@pytest.fixture(name="synced")
async def fx_synced(alice, stripe_standin) -> int:
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    assert (await backfill(alice.workspace.id, NORTHWIND_DIGITAL)).status == "done"
    return alice.workspace.id


def _first(standin, collection: str, test) -> dict:
    return next(o for o in standin.objects(NORTHWIND_DIGITAL, collection, limit=1000) if test(o))


async def _deliver(client, event: dict) -> None:
    payload, headers = signed(event)
    response = await client.post("/billing/stripe/webhook", content=payload, headers=headers)
    assert response.status_code == 200, response.text
    row = await StripeEvent.objects().where(StripeEvent.event_id == event["id"]).first()
    assert row is not None and row.processed_at is not None
    assert json.loads(row.payload) == event, "the stored payload is the event Stripe sent"


async def test_an_invoice_paid_event_with_decimal_fields_is_stored_and_applied(client, synced, stripe_standin):
    invoice = _first(stripe_standin, "invoices", lambda i: i["status"] == "open")
    event = stripe_standin.action("pay_invoice", account=NORTHWIND_DIGITAL, invoice=invoice["id"])["event"]
    assert "unit_amount_decimal" in json.dumps(event), "the event carries Stripe's decimal strings"
    await _deliver(client, event)
    row = await StripeInvoice.objects().where(StripeInvoice.stripe_id == invoice["id"]).first()
    assert row.status == "paid" and row.amount_remaining == 0


async def test_a_subscription_deleted_event_is_stored_and_applied(client, synced, stripe_standin):
    subscription = _first(stripe_standin, "subscriptions", lambda s: s["status"] == "active")
    event = stripe_standin.action("cancel_subscription", account=NORTHWIND_DIGITAL, subscription=subscription["id"])[
        "event"
    ]
    await _deliver(client, event)
    row = await StripeSubscription.objects().where(StripeSubscription.stripe_id == subscription["id"]).first()
    assert row.status == "canceled"


async def test_an_event_stored_but_never_processed_is_applied_by_the_sweeper(synced, stripe_standin):
    invoice = _first(stripe_standin, "invoices", lambda i: i["status"] == "open")
    event = stripe_standin.action("pay_invoice", account=NORTHWIND_DIGITAL, invoice=invoice["id"])["event"]
    assert await webhooks.store(event) is not None  # stored; its processing task was lost
    assert retry_unprocessed_events.call_local() == 1
    row = await StripeInvoice.objects().where(StripeInvoice.stripe_id == invoice["id"]).first()
    assert row.status == "paid"
    assert (await StripeEvent.objects().where(StripeEvent.event_id == event["id"]).first()).processed_at is not None
