"""Payout Status on the Auto Billing tab follows Stripe's view: its webhooks, Check status, and nothing else."""

from __future__ import annotations

import json
import time

import pytest

from app.auto_billing import services
from app.auto_billing.events import with_payout_account_handlers
from app.auto_billing.tables import PayoutAccount
from app.integrations.tables import StripeConnection, StripeEvent
from app.workspaces.services import set_plan
from tests.conftest import login, post_form
from tests.integration.auto_billing_support import (
    CHECK,
    DASHBOARD,
    STATUS,
    TAB,
    as_connect_endpoint,
    deliver,
    manage,
    panel_of,
    stored,
)
from tests.integration.sync_support import link
from tests.plugins.standin import NORTHWIND_DIGITAL


@pytest.fixture(name="owner")
async def fx_owner(client, alice, stripe_standin):
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await login(client, alice)
    return alice


@pytest.fixture(name="account_id")
async def fx_account_id(client, owner) -> str:
    """Alice's new payout account, onboarding not started."""
    await manage(client)
    return (await stored(owner.workspace.id)).stripe_account_id


def act(standin, name: str, account: str, **params) -> dict:
    """A change at Stripe, and its event as Stripe sends it to the Connect endpoint."""
    return as_connect_endpoint(standin.action(name, account=account, **params)["event"], account)


async def shown(client) -> str:
    return panel_of((await client.get(TAB)).text).replace("&#39;", "'")


async def test_an_account_updated_webhook_brings_the_half_done_onboarding_with_what_is_missing(
    client, owner, account_id, stripe_standin
):
    await deliver(client, act(stripe_standin, "onboard", account_id, outcome="later"))
    panel = await shown(client)
    assert 'data-state="onboarding_incomplete"' in panel
    assert "a bank account for payouts" in panel and "accepting Stripe's terms of service" in panel
    assert 'data-enabled="no"' in panel and "Onboarding with Stripe isn't finished yet." in panel
    assert 'data-charges="no"' in panel and "Charges disabled." in panel
    assert "Payouts will be disabled if your Stripe account is not set up correctly. Contact Stripe support" in panel


async def test_finishing_onboarding_shows_active_with_payouts_enabled(client, owner, account_id, stripe_standin):
    await deliver(client, act(stripe_standin, "onboard", account_id, outcome="finish"))
    panel = await shown(client)
    assert 'data-state="active"' in panel and ">Active<" in panel
    assert 'data-enabled="yes"' in panel and "Payouts enabled." in panel
    assert 'data-charges="yes"' in panel and "Charges enabled." in panel
    assert 'data-testid="payouts-disabled-note"' not in panel
    assert 'data-testid="advice-payout-delays"' not in panel


async def test_repeated_and_out_of_order_account_updated_events_end_in_stripes_latest_state(
    client, owner, account_id, stripe_standin
):
    half_done = act(stripe_standin, "onboard", account_id, outcome="later")
    finished = act(stripe_standin, "onboard", account_id, outcome="finish")
    assert half_done["created"] <= finished["created"]
    await deliver(client, finished)
    assert (await stored(owner.workspace.id)).payouts_enabled
    # The older event arrives late, then again (a retry), then once more under a new id (Stripe resent it).
    await deliver(client, half_done)
    assert (await deliver(client, half_done))["duplicate"] is True
    await deliver(client, {**half_done, "id": half_done["id"] + "_again"})
    account = await stored(owner.workspace.id)
    assert account.details_submitted and account.payouts_enabled and account.charges_enabled
    assert account.last_event_created == finished["created"]
    assert 'data-state="active"' in await shown(client)


async def test_a_slower_older_fetch_never_overwrites_a_newer_one(owner, account_id, stripe_standin):
    account = await stored(owner.workspace.id)
    stale_start = account.fetched_at
    stripe_standin.action("onboard", account=account_id, outcome="finish")
    await services.refresh_status(account.id)
    newer = await stored(owner.workspace.id)
    assert newer.payouts_enabled
    # A fetch that began before that one (and saw the half-done account) lands last: it is not stored.
    stale = {"id": account_id, "details_submitted": False, "requirements": {"currently_due": ["external_account"]}}
    assert await services._apply(account.id, stale, [], stale_start) is False
    assert (await stored(owner.workspace.id)).payouts_enabled


async def test_under_review_then_verified(client, owner, account_id, stripe_standin):
    await deliver(client, act(stripe_standin, "onboard", account_id, outcome="review"))
    panel = await shown(client)
    assert 'data-state="under_review"' in panel and "an identity document" in panel
    await deliver(client, act(stripe_standin, "verify_account", account_id))
    assert 'data-state="active"' in await shown(client)


async def test_restricted_says_what_is_required_and_by_when(client, owner, account_id, stripe_standin):
    await deliver(client, act(stripe_standin, "onboard", account_id, outcome="finish"))
    deadline = int(time.time()) + 7 * 86400
    event = act(
        stripe_standin, "restrict_account", account_id, currently_due=["individual.id_number"], deadline=deadline
    )
    await deliver(client, event)
    account = await stored(owner.workspace.id)
    assert int(account.current_deadline.timestamp()) == deadline
    panel = await shown(client)
    assert 'data-state="restricted"' in panel and "your ID number" in panel
    assert 'data-testid="payout-deadline"' in panel
    assert "Your account keeps working until then" in panel and 'data-enabled="yes"' in panel


async def test_payouts_disabled_say_why_in_words(client, owner, account_id, stripe_standin):
    await deliver(client, act(stripe_standin, "onboard", account_id, outcome="finish"))
    await deliver(client, act(stripe_standin, "disable_payouts", account_id, reason="rejected.fraud", currently_due=[]))
    panel = await shown(client)
    assert 'data-enabled="no"' in panel and "Stripe rejected the account on suspicion of fraud." in panel
    assert (
        'data-testid="advice-connection-errors"' in panel and "clicking <strong>Manage Stripe Connect</strong>" in panel
    )
    assert "Always double-check your Stripe account settings to avoid any disruptions in billing or payouts." in panel


async def test_a_failed_payout_shows_its_reason_and_the_payout_delays_advice(client, owner, account_id, stripe_standin):
    await deliver(client, act(stripe_standin, "onboard", account_id, outcome="finish"))
    stripe_standin.action("set_balance", account=account_id, available=50_000, currency="usd")
    created = stripe_standin.action("create_payout", account=account_id, amount=12_345, currency="usd")
    payout_id = created["event"]["data"]["object"]["id"]
    await deliver(client, as_connect_endpoint(created["event"], account_id))
    await deliver(
        client, act(stripe_standin, "fail_payout", account_id, payout=payout_id, failure_code="account_closed")
    )
    panel = await shown(client)
    assert "$123.45" in panel and 'data-status="failed"' in panel
    assert "The bank account has been closed." in panel and "(account_closed)" in panel
    assert 'data-state="restricted"' in panel and 'data-enabled="no"' in panel
    delays = panel.split('data-testid="advice-payout-delays"')[1]
    assert "Payout Delays" in delays and "issues with your linked bank account" in delays
    assert 'href="/dashboard/auto-billing/stripe-dashboard"' in delays
    # Stripe wants a new bank account, and the Express dashboard (a login link) is where the owner adds it.
    dashboard = await client.get(DASHBOARD, follow_redirects=False)
    assert dashboard.status_code == 303 and f"/express/{account_id}/" in dashboard.headers["location"]


async def test_an_event_for_another_account_reaches_the_read_only_handlers_and_leaves_the_payout_account_alone(
    client, owner, account_id, stripe_standin
):
    await link(stripe_standin, owner.workspace.id, NORTHWIND_DIGITAL)
    before = await stored(owner.workspace.id)
    stripe_standin.clear_requests()
    event = {
        "id": "evt_read_only_account_updated",
        "object": "event",
        "type": "account.updated",
        "account": NORTHWIND_DIGITAL,
        "created": int(time.time()),
        "data": {"object": {"id": NORTHWIND_DIGITAL, "object": "account"}},
    }
    await deliver(client, event)
    row = await StripeEvent.objects().where(StripeEvent.event_id == event["id"]).first()
    assert row.last_error == "" and row.attempts == 1
    after = await stored(owner.workspace.id)
    assert after.fetched_at == before.fetched_at and after.last_event_created == 0
    assert not stripe_standin.requests(), "nothing was asked of Stripe for an account that is not a payout account"
    deauthorized = {**event, "id": "evt_deauth", "type": "account.application.deauthorized"}
    await deliver(client, deauthorized)
    connection = await StripeConnection.objects().where(StripeConnection.stripe_account_id == NORTHWIND_DIGITAL).first()
    assert connection.status == "disconnected", "the read-only connection's own handler still ran"


async def test_check_status_refetches_and_answers_the_panel_to_htmx_and_a_redirect_otherwise(
    client, owner, account_id, stripe_standin
):
    stripe_standin.action("onboard", account=account_id, outcome="finish")  # no webhook reaches the app
    assert 'data-state="onboarding_incomplete"' in await shown(client)
    fragment = await post_form(client, CHECK, htmx=True)
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith("<section")
    assert 'data-state="active"' in fragment.text and "<html" not in fragment.text
    plain = await post_form(client, CHECK, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == TAB


async def test_check_status_when_stripe_fails_shows_connection_errors_advice(client, owner, account_id, stripe_standin):
    stripe_standin.set_faults(fail_next=1, fail_path=f"/v1/accounts/{account_id}", fail_status=500)
    fragment = await post_form(client, CHECK, htmx=True)
    assert fragment.status_code == 200
    errors = fragment.text.split('data-testid="advice-connection-errors"')[1]
    assert "Connection Errors" in errors and "Stripe didn&#39;t answer for your payout account" in errors
    await post_form(client, CHECK, htmx=True)
    assert 'data-testid="advice-connection-errors"' not in await shown(client), "a good fetch clears the error"


async def test_the_status_poll_answers_204_until_a_webhook_changes_the_panel(client, owner, account_id, stripe_standin):
    first = await client.get(STATUS, headers={"HX-Request": "true"})
    assert first.status_code == 200 and "<html" not in first.text
    version = first.text.split(f"{STATUS}?v=")[1].split('"')[0]
    unchanged = await client.get(STATUS, params={"v": version}, headers={"HX-Request": "true"})
    assert unchanged.status_code == 204 and unchanged.content == b""
    await deliver(client, act(stripe_standin, "onboard", account_id, outcome="finish"))
    changed = await client.get(STATUS, params={"v": version}, headers={"HX-Request": "true"})
    assert changed.status_code == 200 and 'data-state="active"' in changed.text
    page = await client.get(STATUS, params={"v": version})
    assert page.status_code == 200 and "<html" in page.text and 'data-state="active"' in page.text


async def test_a_repeated_fetch_with_nothing_new_does_not_move_the_panels_version(owner, account_id):
    account = await stored(owner.workspace.id)
    await services.refresh_status(account.id)
    again = await services.refresh_status(account.id)
    assert again.updated_at == (await stored(owner.workspace.id)).updated_at
    assert again.fetched_at > account.fetched_at


async def test_hostile_text_from_stripe_is_escaped(client, owner, account_id):
    hostile = "<img src=x onerror=alert(1)>"
    payouts = [{"id": "po_x", "amount": 100, "currency": "usd", "status": "failed", "failure_message": hostile}]
    await PayoutAccount.update({PayoutAccount.payouts: json.dumps(payouts), PayoutAccount.email: hostile}).where(
        PayoutAccount.stripe_account_id == account_id
    )
    page = (await client.get(TAB)).text
    assert hostile not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") == 2


async def test_a_teammate_sees_the_status_but_no_buttons(client, owner, bob, account_id):
    client.cookies.clear()
    await login(client, bob)
    page = await client.get(TAB)
    assert page.status_code == 200 and 'data-testid="payout-status"' in page.text
    assert 'data-testid="check-status"' not in page.text
    assert 'data-testid="manage-stripe-connect-button"' not in page.text
    assert "Only a workspace owner can manage Stripe Connect." in page.text
    assert (await post_form(client, CHECK, follow_redirects=False)).status_code == 403


async def test_below_agency_the_tab_points_to_billing_and_refuses(client, owner):
    await set_plan(owner.workspace.id, "pro")
    page = await client.get(TAB)
    assert page.status_code == 403
    gate = page.text.split('data-testid="plan-gate"')[1].split("</div>")[0]
    assert "Auto Billing is only available on the Agency plan" in gate and 'href="/dashboard/billing"' in gate
    assert 'data-testid="payout-status"' not in page.text


async def test_a_handler_already_registered_for_account_updated_still_runs_before_the_payout_accounts(
    owner, account_id, stripe_standin
):
    seen = []

    async def existing(event: dict) -> None:
        seen.append((event["id"], (await stored(owner.workspace.id)).payouts_enabled))

    handlers = with_payout_account_handlers({"account.updated": existing})
    event = act(stripe_standin, "onboard", account_id, outcome="finish")
    await handlers["account.updated"](event)
    assert seen == [(event["id"], False)], "the existing handler ran first, before the refetch"
    assert (await stored(owner.workspace.id)).payouts_enabled
