"""Disconnecting Stripe, from ClientPulse or from Stripe's side (the deauthorized webhook).

A disconnect only counts once Stripe confirms it; until then the connection is disconnect_pending and a Huey
task retries with backoff (these tests run the retries Huey holds in its in-memory schedule).
"""

import time
from datetime import datetime, timedelta

import pytest

from app.core.timeutil import utcnow
from app.integrations.services import mark_access_revoked
from app.integrations.tables import StripeConnection, StripeEvent
from app.settings import get_settings
from app.stripe_data import catchup
from app.workspaces.services import set_plan
from tasks import huey
from tasks.sync import DISCONNECT_RETRY_DELAY, retry_pending_disconnects
from tests.conftest import login, post_form
from tests.integration.conftest import connect_through_oauth, signed
from tests.plugins.standin import NORTHWIND_DIGITAL, NORTHWIND_LABS, free_port

DISCONNECT = "/dashboard/integrations/stripe/disconnect"


def _deauthorized(event_id: str, created: int | None = None) -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": "account.application.deauthorized",
        "account": NORTHWIND_DIGITAL,
        "livemode": False,
        "created": created or int(time.time()),
        "data": {"object": {"id": "ca_x", "object": "application"}},
    }


@pytest.fixture(name="connected")
async def fx_connected(client, alice, stripe_standin):
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await login(client, alice)
    await connect_through_oauth(client, NORTHWIND_DIGITAL)
    huey.storage.flush_schedule()  # only the retries this test's requests schedule
    yield alice
    huey.storage.flush_schedule()


def _linked(standin, account: str = NORTHWIND_DIGITAL) -> bool:
    return {a["id"]: a for a in standin.accounts()}[account]["linked"]


def _scheduled_retries() -> list:
    """Take the retries waiting in Huey's schedule (in memory in tests: nothing runs them unless a test does)."""
    return [task for task in huey.read_schedule(datetime.max) if type(task).__name__ == "confirm_disconnect"]


def _stripe_refuses_to_confirm(how: str, standin, monkeypatch) -> None:
    if how == "500":
        standin.set_faults(fail_path="/oauth/deauthorize", fail_next=1000, fail_status=500)
    elif how == "network":
        monkeypatch.setenv("STRIPE_CONNECT_BASE", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    else:  # Stripe's invalid_client for wrong platform credentials is no "already unlinked"
        monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_not_the_platform_key")
    get_settings.cache_clear()


def _stripe_recovers(standin, monkeypatch) -> None:
    standin.clear_faults()
    monkeypatch.setenv("STRIPE_CONNECT_BASE", standin.base_url)
    monkeypatch.setenv("STRIPE_SECRET_KEY", standin.secret_key)
    get_settings.cache_clear()


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
    assert "Data already pulled is kept" in page.text and "use Settings → Data → Purge to delete it" in page.text
    assert '<a href="/dashboard/settings/data" data-testid="purge-link">Settings → Data → Purge</a>' in page.text


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
    event = {
        "id": f"evt_{how}",
        "object": "event",
        "type": "account.application.deauthorized",
        "account": NORTHWIND_DIGITAL,
        "data": {"object": {}},
    }
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


@pytest.mark.parametrize("how", ["500", "network", "wrong credentials"])
async def test_when_stripe_does_not_confirm_the_disconnect_stays_pending_and_the_retry_finishes_it(
    client, connected, stripe_standin, monkeypatch, how
):
    _stripe_refuses_to_confirm(how, stripe_standin, monkeypatch)
    asked = utcnow().replace(tzinfo=None)
    response = await post_form(client, DISCONNECT, htmx=True)
    assert response.status_code == 202 and "<html" not in response.text
    assert "confirm the disconnect of" in response.text and "keep trying until it does" in response.text
    assert 'data-state="disconnect_pending"' in response.text and 'data-testid="disconnect-pending"' in response.text
    row = await StripeConnection.objects().first()
    assert row.status == "disconnect_pending" and row.access_token_enc != "", "tokens stay until Stripe confirms"
    assert _linked(stripe_standin), "Stripe still holds the link"
    assert await catchup.workspaces_to_catch_up() == [] and (await catchup.run_catchup(connected.workspace.id)).skipped

    [retry] = _scheduled_retries()
    assert retry.args == (row.id,) and retry.eta >= asked + timedelta(seconds=DISCONNECT_RETRY_DELAY)
    ran = utcnow().replace(tzinfo=None)
    huey.execute(retry, timestamp=retry.eta)  # Stripe still not confirming: the task backs off
    [again] = _scheduled_retries()
    assert again.eta >= ran + timedelta(seconds=DISCONNECT_RETRY_DELAY)
    assert again.retry_delay == 2 * DISCONNECT_RETRY_DELAY, "the next wait doubles"
    assert (await StripeConnection.objects().first()).status == "disconnect_pending" and _linked(stripe_standin)

    _stripe_recovers(stripe_standin, monkeypatch)
    huey.execute(again, timestamp=again.eta)
    row = await StripeConnection.objects().first()
    assert row.status == "disconnected" and row.access_token_enc == "" and row.refresh_token_enc == ""
    assert "Disconnected by Alice" in row.status_reason
    assert not _linked(stripe_standin), "Stripe confirmed the unlink"
    assert _scheduled_retries() == []
    page = await client.get("/dashboard/integrations")
    assert 'data-state="disconnected"' in page.text and "Data already pulled is kept" in page.text


async def test_a_pending_disconnect_shows_on_the_card_and_in_the_flash_without_htmx(client, connected, stripe_standin):
    stripe_standin.set_faults(fail_path="/oauth/deauthorize", fail_next=1000, fail_status=503)
    response = await post_form(client, DISCONNECT, follow_redirects=False)
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "confirm the disconnect of" in page.text and "keep trying until it does" in page.text
    assert 'data-testid="stripe-status">Disconnecting<' in page.text and 'data-testid="disconnect-pending"' in page.text


async def test_the_sweeper_finishes_a_pending_disconnect_whose_retry_task_was_lost(client, connected, stripe_standin):
    stripe_standin.set_faults(fail_path="/oauth/deauthorize", fail_next=1000, fail_status=500)
    assert (await post_form(client, DISCONNECT, htmx=True)).status_code == 202
    huey.storage.flush_schedule()  # the scheduled retry is lost (a queue wiped, a worker gone)
    assert retry_pending_disconnects.call_local() == 1  # Stripe still failing: stays pending for the next sweep
    assert (await StripeConnection.objects().first()).status == "disconnect_pending"
    stripe_standin.clear_faults()
    assert retry_pending_disconnects.call_local() == 1
    assert (await StripeConnection.objects().first()).status == "disconnected"
    assert not _linked(stripe_standin)
    assert retry_pending_disconnects.call_local() == 0


async def test_an_account_already_unlinked_at_stripe_counts_as_confirmed(client, connected, stripe_standin):
    stripe_standin.action("deauthorize", account=NORTHWIND_DIGITAL)  # revoked from Stripe's dashboard meanwhile
    response = await post_form(client, DISCONNECT, htmx=True)
    assert response.status_code == 200 and "Disconnected Stripe account" in response.text
    assert (await StripeConnection.objects().first()).status == "disconnected"
    assert _scheduled_retries() == []


async def test_reconnecting_the_account_while_its_disconnect_is_pending_keeps_the_new_link(
    client, connected, stripe_standin
):
    stripe_standin.set_faults(fail_path="/oauth/deauthorize", fail_next=1000, fail_status=500)
    assert (await post_form(client, DISCONNECT, htmx=True)).status_code == 202
    await connect_through_oauth(client, NORTHWIND_DIGITAL)
    stripe_standin.clear_faults()
    for retry in _scheduled_retries():
        huey.execute(retry, timestamp=retry.eta)
    statuses = [r.status for r in await StripeConnection.objects().order_by(StripeConnection.id)]
    assert statuses == ["disconnected", "connected"]
    assert _linked(stripe_standin), "the retry must not unlink the account the owner just connected again"
    assert not [r for r in stripe_standin.requests() if r["path"] == "/oauth/deauthorize" and r["status"] == 200]


async def test_the_deauthorized_event_confirms_a_pending_disconnect_and_keeps_who_asked(
    client, connected, stripe_standin
):
    stripe_standin.set_faults(fail_path="/oauth/deauthorize", fail_next=1000, fail_status=500)
    assert (await post_form(client, DISCONNECT, htmx=True)).status_code == 202
    payload, headers = signed(_deauthorized("evt_deauth_pending"))
    assert (await client.post("/billing/stripe/webhook", content=payload, headers=headers)).status_code == 200
    row = await StripeConnection.objects().first()
    assert row.status == "disconnected" and "Disconnected by Alice" in row.status_reason
