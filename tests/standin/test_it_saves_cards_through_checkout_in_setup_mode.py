"""Checkout in setup mode on a connected account: a card saved through a SetupIntent, nothing charged; a card
that only declines when charged (9995) can be saved this way, as at Stripe."""

from __future__ import annotations

import pytest
import stripe

from .helpers import NORTHWIND_DIGITAL, stripe_fixtures
from .hosted import api
from .payment import AUTH, INSUFFICIENT, authenticate, event_types, pay_with
from .shapes import Checker

OPTS = {"stripe_account": NORTHWIND_DIGITAL}


def _setup_session(standin):
    standin.link(NORTHWIND_DIGITAL)
    return standin.sdk().v1.checkout.sessions.create(
        params={
            "mode": "setup",
            "currency": "usd",
            "customer_email": "client@example.com",
            "setup_intent_data": {"metadata": {"client": "42"}},
            "success_url": "http://127.0.0.1:9/billing/card-saved?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": "http://127.0.0.1:9/billing",
        },
        options=OPTS,
    )


def _charge(standin, customer: str, pm: str):
    params = {
        "amount": 1000,
        "currency": "usd",
        "customer": customer,
        "payment_method": pm,
        "off_session": True,
        "confirm": True,
    }
    return standin.sdk().v1.payment_intents.create(params=params, options=OPTS)


def test_the_9995_card_is_saved_without_a_charge_and_declines_when_charged_later(fresh_standin):
    session = _setup_session(fresh_standin)
    resp = pay_with(session.url, INSUFFICIENT)
    assert resp.status_code == 303 and f"session_id={session.id}" in resp.headers["location"]
    done = fresh_standin.sdk().v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["setup_intent"]}, options=OPTS
    )
    assert done.status == "complete" and done.payment_status == "no_payment_required"
    assert done.setup_intent.status == "succeeded" and done.setup_intent.metadata["client"] == "42"
    assert done.setup_intent.customer == done.customer
    saved = fresh_standin.sdk().v1.customers.payment_methods.list(done.customer, options=OPTS).data
    assert [pm.card.last4 for pm in saved] == ["9995"]
    assert fresh_standin.sdk().v1.charges.list(params={"customer": done.customer}, options=OPTS).data == []
    types = event_types(fresh_standin)
    assert types.index("setup_intent.succeeded") < types.index("checkout.session.completed")
    with pytest.raises(stripe.CardError) as err:
        _charge(fresh_standin, done.customer, saved[0].id)
    assert err.value.error.decline_code == "insufficient_funds"


def test_the_3155_card_is_authenticated_before_it_is_saved(fresh_standin):
    session = _setup_session(fresh_standin)
    challenge = pay_with(session.url, AUTH)
    assert challenge.status_code == 200 and "may save your card" in challenge.text
    assert "setup_intent.requires_action" in event_types(fresh_standin)
    assert authenticate(session.url, "complete").status_code == 303
    done = fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id, options=OPTS)
    assert fresh_standin.sdk().v1.setup_intents.retrieve(done.setup_intent, options=OPTS).status == "succeeded"


def test_a_generic_decline_card_fails_the_setup_and_stays_on_the_page(fresh_standin):
    session = _setup_session(fresh_standin)
    resp = pay_with(session.url, "4000 0000 0000 0002")
    assert resp.status_code == 402 and "Your card was declined." in resp.text
    done = fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id, options=OPTS)
    si = fresh_standin.sdk().v1.setup_intents.retrieve(done.setup_intent, options=OPTS)
    assert done.status == "open" and si.status == "requires_payment_method"
    assert si.last_setup_error.code == "card_declined"
    assert "setup_intent.setup_failed" in event_types(fresh_standin)


def test_the_setup_session_and_its_setup_intent_have_the_pinned_shape(fresh_standin):
    session = _setup_session(fresh_standin)
    opened = api(fresh_standin, "GET", f"/v1/checkout/sessions/{session.id}", stripe_account=NORTHWIND_DIGITAL)
    pay_with(session.url, INSUFFICIENT)
    done = api(fresh_standin, "GET", f"/v1/checkout/sessions/{session.id}", stripe_account=NORTHWIND_DIGITAL).json()
    si = api(fresh_standin, "GET", f"/v1/setup_intents/{done['setup_intent']}", stripe_account=NORTHWIND_DIGITAL)
    checker = Checker(stripe_fixtures())
    assert [p for obj in (opened.json(), done, si.json()) for p in checker.check(obj)] == []
    assert opened.json()["amount_total"] is None and opened.json()["mode"] == "setup"
