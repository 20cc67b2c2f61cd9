"""STRIPE_WEBHOOK_SECRET lists one signing secret per endpoint (platform, Connect) and, while rotating, the old one:
a delivery verifies if any of them signed it, and one signed with none is refused and stores nothing."""

from __future__ import annotations

import pytest

from app.integrations.tables import StripeEvent
from app.settings import get_settings
from app.stripe_data.tables import StripeInvoice
from app.workspaces.services import set_plan
from tests.integration.conftest import signed
from tests.integration.sync_support import backfill, link
from tests.plugins.standin import NORTHWIND_DIGITAL

PLATFORM_SECRET = "whsec_platform_endpoint_0123"
CONNECT_SECRET = "whsec_connect_endpoint_4567"
WEBHOOK = "/billing/stripe/webhook"


@pytest.fixture(name="synced")
async def fx_synced(alice, stripe_standin, monkeypatch) -> int:
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    assert (await backfill(alice.workspace.id, NORTHWIND_DIGITAL)).status == "done"
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", f"{PLATFORM_SECRET}, {CONNECT_SECRET}")
    get_settings.cache_clear()
    assert get_settings().stripe_webhook_secrets == (PLATFORM_SECRET, CONNECT_SECRET)
    return alice.workspace.id


def _paid_event(standin) -> tuple[str, dict]:
    invoice = next(i for i in standin.objects(NORTHWIND_DIGITAL, "invoices", limit=1000) if i["status"] == "open")
    return invoice["id"], standin.action("pay_invoice", account=NORTHWIND_DIGITAL, invoice=invoice["id"])["event"]


async def test_a_delivery_signed_with_the_second_secret_is_accepted_and_applied(client, synced, stripe_standin):
    invoice_id, event = _paid_event(stripe_standin)
    payload, headers = signed(event, secret=CONNECT_SECRET)
    response = await client.post(WEBHOOK, content=payload, headers=headers)
    assert response.status_code == 200, response.text
    row = await StripeEvent.objects().where(StripeEvent.event_id == event["id"]).first()
    assert row is not None and row.processed_at is not None
    assert (await StripeInvoice.objects().where(StripeInvoice.stripe_id == invoice_id).first()).status == "paid"


async def test_a_delivery_signed_with_neither_secret_gets_400_and_stores_nothing(client, synced, stripe_standin):
    invoice_id, event = _paid_event(stripe_standin)
    payload, headers = signed(event, secret="whsec_retired_endpoint_89ab")
    response = await client.post(WEBHOOK, content=payload, headers=headers)
    assert response.status_code == 400 and "signature does not match" in response.text
    assert await StripeEvent.count().where(StripeEvent.event_id == event["id"]) == 0
    assert (await StripeInvoice.objects().where(StripeInvoice.stripe_id == invoice_id).first()).status == "open"
