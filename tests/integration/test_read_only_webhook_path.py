"""The read-only promise end to end: connect, backfill, webhooks and the catch-up, disconnect. The stand-in's request
log shows that a connected account only ever received GETs, and the platform only spoke OAuth."""

import pytest

from app.stripe_data import catchup
from app.stripe_data.tables import StripeCharge, StripeCustomer, StripeInvoice, StripeSubscription, SyncRun
from app.workspaces.services import set_plan
from tests.conftest import login, post_form
from tests.integration.conftest import consent, finish_connect, signed, start_connect
from tests.plugins.standin import NORTHWIND_DIGITAL

OAUTH_WRITES = {("POST", "/oauth/token"), ("POST", "/oauth/deauthorize")}


def _first(standin, collection: str, test) -> dict:
    return next(o for o in standin.objects(NORTHWIND_DIGITAL, collection, limit=1000) if test(o))


async def _row(table, stripe_id: str):
    return await table.objects().where(table.stripe_id == stripe_id).first()


@pytest.fixture(name="connected")
async def fx_connected(client, alice, stripe_standin):
    """Alice connects Northwind Digital through OAuth; the callback's backfill runs inline."""
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await login(client, alice)
    back = consent(await start_connect(client), NORTHWIND_DIGITAL)
    stripe_standin.clear_requests()  # the consent form is the person's browser on Stripe's page, not ClientPulse
    callback = await finish_connect(client, back)
    assert callback.status_code == 303
    run = await SyncRun.objects().where(SyncRun.workspace == alice.workspace.id).first()
    assert run.status == "done", run.error
    return alice


async def test_backfill_webhooks_catch_up_and_disconnect_only_ever_read_from_the_connected_account(
    client, connected, stripe_standin
):
    invoice = _first(stripe_standin, "invoices", lambda i: i["status"] == "open")
    subscription = _first(stripe_standin, "subscriptions", lambda s: s["status"] == "active")
    charge = _first(stripe_standin, "charges", lambda c: c["status"] == "succeeded" and not c["amount_refunded"])
    customer = stripe_standin.objects(NORTHWIND_DIGITAL, "customers", limit=1)[0]
    # Changes at Stripe; the first two reach ClientPulse through the catch-up (/v1/events) ...
    stripe_standin.action("pay_invoice", account=NORTHWIND_DIGITAL, invoice=invoice["id"])
    stripe_standin.action("cancel_subscription", account=NORTHWIND_DIGITAL, subscription=subscription["id"])
    # ... and these two as webhooks, signed as Stripe signs them, processed by the task (inline in tests).
    pushed = [
        stripe_standin.action("refund_charge", account=NORTHWIND_DIGITAL, charge=charge["id"])["event"],
        stripe_standin.action(
            "update_customer_email", account=NORTHWIND_DIGITAL, customer=customer["id"], email="billing@renamed.example"
        )["event"],
    ]
    for event in pushed:
        payload, headers = signed(event)
        response = await client.post("/billing/stripe/webhook", content=payload, headers=headers)
        assert response.status_code == 200 and response.json() == {"received": True, "duplicate": False}
    assert (await _row(StripeCharge, charge["id"])).amount_refunded == charge["amount"]
    assert (await _row(StripeCustomer, customer["id"])).email == "billing@renamed.example"

    assert (await _row(StripeInvoice, invoice["id"])).status == "open", "no webhook carried the payment"
    caught_up = await catchup.run_catchup(connected.workspace.id)
    assert caught_up.events_applied >= 2 and not caught_up.relisted
    assert (await _row(StripeInvoice, invoice["id"])).status == "paid"
    assert (await _row(StripeSubscription, subscription["id"])).status == "canceled"

    disconnect = await post_form(client, "/dashboard/integrations/stripe/disconnect", follow_redirects=False)
    assert disconnect.status_code == 303

    logged = stripe_standin.requests()
    on_account = [r for r in logged if r["account"]]
    assert len(on_account) > 20 and {r["account"] for r in on_account} == {NORTHWIND_DIGITAL}
    writes_on_account = [(r["method"], r["path"]) for r in on_account if r["method"] != "GET"]
    assert writes_on_account == [], f"non-GET requests sent to the connected account: {writes_on_account}"
    assert {r["path"] for r in on_account} >= {
        "/v1/customers",
        "/v1/invoices",
        "/v1/events",
        f"/v1/accounts/{NORTHWIND_DIGITAL}",
    }
    writes = {(r["method"], r["path"]) for r in logged if r["method"] != "GET"}
    assert writes == OAUTH_WRITES, f"unexpected writes to Stripe: {writes - OAUTH_WRITES}"
