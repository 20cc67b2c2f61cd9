"""Disconnecting Stripe, from ClientPulse or from Stripe's side (the deauthorized webhook)."""

import time

import pytest

from app.integrations.services import mark_access_revoked
from app.integrations.tables import StripeConnection, StripeEvent
from app.workspaces.services import set_plan
from tests.conftest import login, post_form
from tests.integration.conftest import connect_through_oauth, signed
from tests.plugins.standin import NORTHWIND_DIGITAL, NORTHWIND_LABS


def _deauthorized(event_id: str, created: int | None = None) -> dict:
    return {"id": event_id, "object": "event", "type": "account.application.deauthorized",
            "account": NORTHWIND_DIGITAL, "livemode": False, "created": created or int(time.time()),
            "data": {"object": {"id": "ca_x", "object": "application"}}}


@pytest.fixture(name="connected")
async def fx_connected(client, alice, stripe_standin):
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await login(client, alice)
    await connect_through_oauth(client, NORTHWIND_DIGITAL)
    return alice


async def test_disconnect_unlinks_at_stripe_and_keeps_the_row(client, connected, stripe_standin):
    response = await post_form(client, "/dashboard/integrations/stripe/disconnect", htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.text and "Disconnected" in response.text and "Connect Stripe" in response.text
    row = await StripeConnection.objects().first()
    assert row.status == "disconnected" and row.access_token_enc == ""
    linked = {a["id"]: a for a in stripe_standin.accounts()}
    assert not linked[NORTHWIND_DIGITAL].get("linked"), "the stand-in should no longer list the account as linked"


async def test_disconnect_without_htmx_redirects_with_a_message(client, connected):
    response = await post_form(client, "/dashboard/integrations/stripe/disconnect", follow_redirects=False)
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Data already pulled is kept" in page.text


async def test_after_disconnect_another_account_can_be_connected(client, connected):
    await post_form(client, "/dashboard/integrations/stripe/disconnect")
    await connect_through_oauth(client, NORTHWIND_LABS)
    live = await StripeConnection.objects().where(StripeConnection.status == "connected").first()
    assert live.stripe_account_id == NORTHWIND_LABS
    assert await StripeConnection.count() == 2


async def test_the_deauthorized_webhook_disconnects_and_says_why(client, connected):
    payload, headers = signed(_deauthorized("evt_deauth_1"))
    response = await client.post("/billing/stripe/webhook", content=payload, headers=headers)
    assert response.status_code == 200
    page = await client.get("/dashboard/integrations")
    assert "Disconnected" in page.text and "revoked from Stripe" in page.text
    assert (await StripeConnection.objects().first()).status == "disconnected"


async def test_the_deauthorized_webhook_explains_a_revocation_the_sync_saw_first(client, connected):
    await mark_access_revoked(connected.workspace.id, NORTHWIND_DIGITAL)
    assert "Reconnect Stripe" in (await client.get("/dashboard/integrations")).text
    payload, headers = signed(_deauthorized("evt_deauth_2"))
    assert (await client.post("/billing/stripe/webhook", content=payload, headers=headers)).status_code == 200
    row = await StripeConnection.objects().first()
    assert row.status == "disconnected" and row.access_token_enc == ""
    assert "revoked from Stripe" in (await client.get("/dashboard/integrations")).text


async def test_a_late_deauthorized_event_from_before_the_connection_leaves_it_connected(client, connected):
    # Our own Disconnect makes Stripe send this event; delivered late, it must not cut off a reconnection.
    connection = await StripeConnection.objects().first()
    before = int(connection.connected_at.timestamp()) - 60
    payload, headers = signed(_deauthorized("evt_late", created=before))
    assert (await client.post("/billing/stripe/webhook", content=payload, headers=headers)).status_code == 200
    assert (await StripeConnection.objects().first()).status == "connected"
    assert "revoked from Stripe" not in (await client.get("/dashboard/integrations")).text


async def test_a_deauthorized_event_in_the_same_second_as_the_connection_still_disconnects(client, connected):
    # Stripe stamps events in whole seconds; our connection time has microseconds.
    connection = await StripeConnection.objects().first()
    same_second = int(connection.connected_at.timestamp())
    payload, headers = signed(_deauthorized("evt_same_second", created=same_second))
    assert (await client.post("/billing/stripe/webhook", content=payload, headers=headers)).status_code == 200
    assert (await StripeConnection.objects().first()).status == "disconnected"


async def test_a_replayed_event_is_stored_and_applied_once(client, connected):
    event = _deauthorized("evt_replay")
    for _ in range(10):
        payload, headers = signed(event)
        assert (await client.post("/billing/stripe/webhook", content=payload, headers=headers)).status_code == 200
    assert await StripeEvent.count() == 1
    assert (await StripeEvent.objects().first()).attempts == 1


@pytest.mark.parametrize("how", ["forged", "stale", "missing"])
async def test_a_bad_signature_is_rejected_and_changes_nothing(client, connected, how):
    event = {"id": f"evt_{how}", "object": "event", "type": "account.application.deauthorized",
             "account": NORTHWIND_DIGITAL, "data": {"object": {}}}
    if how == "forged":
        payload, headers = signed(event, secret="whsec_attacker")
    elif how == "stale":
        payload, headers = signed(event, timestamp=1_000_000_000)
    else:
        payload, headers = signed(event)
        headers.pop("Stripe-Signature")
    response = await client.post("/billing/stripe/webhook", content=payload, headers=headers)
    assert response.status_code == 400
    assert await StripeEvent.count() == 0
    assert (await StripeConnection.objects().first()).status == "connected"
