"""Helpers for the payment-mode tests: a connected account's Checkout Session, paid by a person on the hosted page."""

from __future__ import annotations

import httpx

from tests.plugins.standin import Standin

from .helpers import NORTHWIND_DIGITAL

GOOD, INSUFFICIENT, AUTH, ATTACH_THEN_DECLINE = (
    "4242 4242 4242 4242",
    "4000 0000 0000 9995",
    "4000 0025 0000 3155",
    "4000 0000 0000 0341",
)


def payment_session(standin: Standin, account: str = NORTHWIND_DIGITAL, **params):
    """A $10 credit pack sold by ``account`` with a $2.50 platform fee, saving the card for off-session use."""
    standin.link(account)
    body = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "2,500 credits"}},
                "quantity": 1,
            }
        ],
        "payment_intent_data": {
            "application_fee_amount": 250,
            "setup_future_usage": "off_session",
            "metadata": {"pack": "10"},
        },
        "customer_creation": "always",
        "customer_email": "client@example.com",
        "success_url": "http://127.0.0.1:9/billing/done?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://127.0.0.1:9/billing",
        "metadata": {"client": "42"},
        **params,
    }
    return standin.sdk().v1.checkout.sessions.create(params=body, options={"stripe_account": account})


def pay_with(url: str, card: str) -> httpx.Response:
    """Open the hosted page and pay with ``card`` as a browser would (no redirects followed)."""
    with httpx.Client() as browser:
        assert browser.get(url).status_code == 200
        return browser.post(url, data={"card_number": card, "expiry": "12 / 34", "cvc": "123", "name": "Jo Client"})


def authenticate(url: str, outcome: str) -> httpx.Response:
    """Press Complete or Fail on the stand-in's 3D Secure step."""
    return httpx.post(f"{url}/authenticate", data={"outcome": outcome})


def event_types(standin: Standin, account: str = NORTHWIND_DIGITAL) -> list[str]:
    events = standin.sdk().v1.events.list(params={"limit": 100}, options={"stripe_account": account})
    return [e.type for e in reversed(events.data)]


def saved_card(standin: Standin, card: str = GOOD, account: str = NORTHWIND_DIGITAL) -> tuple[str, str]:
    """(customer, payment method) of a card saved through Checkout; 3155 is authenticated on the way."""
    session = payment_session(standin, account)
    pay_with(session.url, card)
    if card == AUTH:
        authenticate(session.url, "complete")
    opts = {"stripe_account": account}
    done = standin.sdk().v1.checkout.sessions.retrieve(session.id, options=opts)
    pi = standin.sdk().v1.payment_intents.retrieve(done.payment_intent, options=opts)
    return done.customer, pi.payment_method
