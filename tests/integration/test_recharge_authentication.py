"""A bank that asks for authentication: the client gets a link, confirms on-session through the bank's page, and the
credits arrive once. Over HTTP: our pages through the test client, Stripe's 3D Secure page at the stand-in."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import time_machine

from app.core.timeutil import utcnow
from app.credits import ledger, recharge
from app.credits.recharge_links import CONFIRM_LINK_LIFETIME, make_token
from app.credits.tables import RechargeStatus
from tasks.credits_recharge import resume_stalled_recharges
from tests.conftest import post_form
from tests.integration.auto_billing_support import as_connect_endpoint, deliver, path_of
from tests.integration.recharge_support import (
    CLIENT_EMAIL,
    NEEDS_AUTHENTICATION,
    RECHARGE_CREDITS,
    fx_agency,
    outbox,
    payment_intents,
    recharge_entries,
    recharges,
    recharging_client,
)

__all__ = ["fx_agency"]


async def _asked_to_confirm(standin, agency) -> tuple:
    setup = await recharging_client(standin, agency, card=NEEDS_AUTHENTICATION, balance=900)
    await recharge.after_usage(setup.workspace_id, setup.client_id)
    [email] = await outbox("recharge_confirm")
    link = re.search(r"https?://\S+", email.text_body).group(0)
    return setup, email, path_of(link)


def _complete_3ds(url: str, outcome: str = "complete") -> str:
    """Press a button on the bank's (the stand-in's) 3D Secure page; returns where it sends the client back."""
    page = httpx.get(url)
    assert page.status_code == 200 and 'data-testid="checkout-3ds-complete"' in page.text
    back = httpx.post(url, data={"outcome": outcome}, follow_redirects=False)
    assert back.status_code == 303, back.text
    return back.headers["location"]


async def test_the_recharge_waits_for_the_client_who_is_emailed_a_link(stripe_standin, agency):
    setup, email, _ = await _asked_to_confirm(stripe_standin, agency)

    [row] = await recharges(setup)
    assert row["status"] == RechargeStatus.requires_action.value and row["in_flight"] == setup.client_id
    assert email.to_address == CLIENT_EMAIL and "Alice Agency" in email.subject
    for part in (email.subject, email.text_body, email.html_body):
        assert "clientpulse" not in part.lower()
    assert await recharge_entries(setup) == []
    await recharge.after_usage(setup.workspace_id, setup.client_id)
    assert len(await recharges(setup)) == 1, "no second recharge while the first waits for the client"


async def test_confirming_through_the_banks_page_credits_once(stripe_standin, agency, client):
    setup, _, path = await _asked_to_confirm(stripe_standin, agency)

    page = await client.get(path)
    assert page.status_code == 200 and "$10.00" in page.text and "Alice Agency" in page.text
    assert "clientpulse" not in page.text.lower()
    started = await post_form(client, path, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"].startswith(stripe_standin.base_url)
    back = _complete_3ds(started.headers["location"])
    done = await client.get(path_of(back))
    again = await client.get(path_of(back))

    assert done.status_code == 200 and 'data-testid="recharge-done"' in done.text
    assert again.status_code == 200 and "clientpulse" not in done.text.lower()
    [intent] = payment_intents(stripe_standin, setup)
    assert intent["status"] == "succeeded"
    [entry] = await recharge_entries(setup)
    assert entry["dedupe_key"] == f"pi:{intent['id']}"
    assert await ledger.balance(setup.workspace_id, setup.client_id) == 900 + RECHARGE_CREDITS
    [row] = await recharges(setup)
    assert (row["status"], row["in_flight"]) == (RechargeStatus.succeeded.value, None)


async def test_a_failed_authentication_credits_nothing_and_the_client_may_try_again(stripe_standin, agency, client):
    setup, _, path = await _asked_to_confirm(stripe_standin, agency)

    started = await post_form(client, path, follow_redirects=False)
    failed = await client.get(path_of(_complete_3ds(started.headers["location"], outcome="fail")))
    assert failed.status_code == 200 and 'data-testid="recharge-error"' in failed.text
    assert await recharge_entries(setup) == []
    retried = await post_form(client, path, follow_redirects=False)
    done = await client.get(path_of(_complete_3ds(retried.headers["location"])))

    assert 'data-testid="recharge-done"' in done.text
    assert len(await recharge_entries(setup)) == 1 and len(payment_intents(stripe_standin, setup)) == 1


async def test_the_return_alone_credits_nothing(stripe_standin, agency, client):
    setup, _, path = await _asked_to_confirm(stripe_standin, agency)

    forged = await client.get(path + "/return?payment_intent=pi_x&redirect_status=succeeded")

    assert forged.status_code == 200 and 'data-testid="recharge-done"' not in forged.text
    assert await recharge_entries(setup) == []


async def test_an_altered_or_expired_link_is_refused_without_our_name(stripe_standin, agency, client):
    setup, _, path = await _asked_to_confirm(stripe_standin, agency)
    [row] = await recharges(setup)
    other_client = make_token(row["id"], setup.client_id + 1).split(".")[0] + "." + path.rsplit(".", 1)[1]

    altered = await client.get(path.replace(path.rsplit("/", 1)[1], other_client))
    with time_machine.travel(utcnow() + CONFIRM_LINK_LIFETIME + timedelta(minutes=1), tick=False):
        expired = await client.get(path)
        refused = await post_form(client, path, follow_redirects=False)

    assert altered.status_code == 400 and expired.status_code == 400 and refused.status_code == 400
    assert "clientpulse" not in altered.text.lower() and "expired" in expired.text
    assert len(payment_intents(stripe_standin, setup)) == 1 and await recharge_entries(setup) == []


async def test_a_recharge_nobody_confirmed_is_canceled_and_auto_recharge_stays_paused(stripe_standin, agency):
    setup, _, _ = await _asked_to_confirm(stripe_standin, agency)

    with time_machine.travel(utcnow() + CONFIRM_LINK_LIFETIME + timedelta(minutes=1), tick=False):
        resume_stalled_recharges.call_local()
        await recharge.after_usage(setup.workspace_id, setup.client_id)

    [row] = await recharges(setup)
    assert (row["status"], row["in_flight"]) == (RechargeStatus.canceled.value, None)
    assert (await ledger.account(setup.workspace_id, setup.client_id))["paused_reason"]


async def test_a_client_who_never_comes_back_from_the_bank_is_credited_by_the_webhook_once(
    stripe_standin, agency, client
):
    setup, _, path = await _asked_to_confirm(stripe_standin, agency)
    started = await post_form(client, path, follow_redirects=False)
    back = _complete_3ds(started.headers["location"])  # the browser closes here: the return is never opened
    [intent] = payment_intents(stripe_standin, setup)
    events = stripe_standin.sdk().v1.events.list(params={"limit": 100}, options={"stripe_account": setup.account_id})
    [event] = [e.to_dict() for e in events.data if e.type == "payment_intent.succeeded"]

    await deliver(client, as_connect_endpoint(event, setup.account_id))
    late = await client.get(path_of(back))  # or it is opened after all, later

    assert 'data-testid="recharge-done"' in late.text
    [entry] = await recharge_entries(setup)
    assert entry["dedupe_key"] == f"pi:{intent['id']}"
    assert await ledger.balance(setup.workspace_id, setup.client_id) == 900 + RECHARGE_CREDITS
