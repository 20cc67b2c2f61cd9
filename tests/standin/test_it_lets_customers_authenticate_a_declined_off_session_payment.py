"""After an off-session ``authentication_required`` decline, the app confirms the same PaymentIntent on-session
with a ``return_url``; the customer authenticates on the stand-in's 3D Secure page and comes back."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stripe

from .helpers import NORTHWIND_DIGITAL
from .payment import AUTH, GOOD, event_types, saved_card

OPTS = {"stripe_account": NORTHWIND_DIGITAL}
RETURN = "http://127.0.0.1:9/billing/confirm?recharge=r-9"


def _declined_off_session(standin) -> stripe.PaymentIntent:
    customer, pm = saved_card(standin, AUTH)
    params = {
        "amount": 2500,
        "currency": "usd",
        "customer": customer,
        "payment_method": pm,
        "off_session": True,
        "confirm": True,
        "application_fee_amount": 600,
    }
    with pytest.raises(stripe.CardError) as err:
        standin.sdk().v1.payment_intents.create(params=params, options=OPTS)
    return standin.sdk().v1.payment_intents.retrieve(err.value.error.payment_intent["id"], options=OPTS)


def _confirm_on_session(standin, pi_id: str) -> stripe.PaymentIntent:
    return standin.sdk().v1.payment_intents.confirm(pi_id, params={"return_url": RETURN}, options=OPTS)


def test_confirming_on_session_redirects_to_a_challenge_that_pays_and_returns(fresh_standin):
    declined = _declined_off_session(fresh_standin)
    pending = _confirm_on_session(fresh_standin, declined.id)
    assert pending.status == "requires_action" and pending.next_action.type == "redirect_to_url"
    assert pending.next_action.redirect_to_url.return_url == RETURN
    url = pending.next_action.redirect_to_url.url
    page = httpx.get(url)
    assert page.status_code == 200 and "Northwind Digital" in page.text and "$25.00" in page.text
    back = httpx.post(url, data={"outcome": "complete"})
    assert back.status_code == 303
    target = urlsplit(back.headers["location"])
    query = parse_qs(target.query)
    assert target.path == "/billing/confirm" and query["recharge"] == ["r-9"]
    assert query["payment_intent"] == [declined.id] and query["redirect_status"] == ["succeeded"]
    paid = fresh_standin.sdk().v1.payment_intents.retrieve(declined.id, options=OPTS)
    assert paid.status == "succeeded" and paid.amount_received == 2500 and paid.last_payment_error is None
    assert event_types(fresh_standin)[-2:] == ["charge.succeeded", "payment_intent.succeeded"]
    assert httpx.get(url).status_code == 404  # nothing left to authenticate


def test_failing_the_challenge_returns_with_redirect_status_failed(fresh_standin):
    declined = _declined_off_session(fresh_standin)
    url = _confirm_on_session(fresh_standin, declined.id).next_action.redirect_to_url.url
    back = httpx.post(url, data={"outcome": "fail"})
    assert parse_qs(urlsplit(back.headers["location"]).query)["redirect_status"] == ["failed"]
    failed = fresh_standin.sdk().v1.payment_intents.retrieve(declined.id, options=OPTS)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == "payment_intent_authentication_failure"
    assert "payment_intent.requires_action" in event_types(fresh_standin)


def test_a_succeeded_payment_intent_cannot_be_confirmed_again(fresh_standin):
    customer, pm = saved_card(fresh_standin, GOOD)
    pi = fresh_standin.sdk().v1.payment_intents.create(
        params={
            "amount": 500,
            "currency": "usd",
            "customer": customer,
            "payment_method": pm,
            "off_session": True,
            "confirm": True,
        },
        options=OPTS,
    )
    with pytest.raises(stripe.InvalidRequestError) as err:
        _confirm_on_session(fresh_standin, pi.id)
    assert err.value.code == "payment_intent_unexpected_state"
