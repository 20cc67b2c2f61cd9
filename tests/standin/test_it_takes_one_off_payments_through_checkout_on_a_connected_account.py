"""Checkout in payment mode on a connected account: the account's branding, the platform's fee, a saved card,
and what each of Stripe's test cards does on the hosted page."""

from __future__ import annotations

import httpx
import pytest
import stripe

from .helpers import NORTHWIND_DIGITAL, stripe_fixtures
from .hosted import api
from .payment import (
    ATTACH_THEN_DECLINE,
    AUTH,
    GOOD,
    INSUFFICIENT,
    authenticate,
    event_types,
    pay_with,
    payment_session,
)
from .shapes import Checker

OPTS = {"stripe_account": NORTHWIND_DIGITAL}


def _served(standin, path: str) -> dict:
    resp = api(standin, "GET", path, stripe_account=NORTHWIND_DIGITAL)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_a_payment_session_is_open_unpaid_and_branded_as_the_connected_account(fresh_standin):
    session = payment_session(fresh_standin)
    assert session.mode == "payment" and session.status == "open" and session.payment_status == "unpaid"
    assert session.amount_total == 1000 and session.currency == "usd" and session.metadata["client"] == "42"
    assert session.customer_creation == "always" and session.payment_intent is None
    page = httpx.get(session.url)
    assert "Northwind Digital" in page.text and "2,500 credits" in page.text and "$10.00" in page.text
    assert "ClientPulse" not in page.text


def test_paying_with_4242_succeeds_takes_the_fee_and_saves_the_card_for_off_session_use(fresh_standin):
    session = payment_session(fresh_standin)
    resp = pay_with(session.url, GOOD)
    assert resp.status_code == 303
    assert resp.headers["location"] == f"http://127.0.0.1:9/billing/done?session_id={session.id}"
    client = fresh_standin.sdk()
    done = client.v1.checkout.sessions.retrieve(session.id, options=OPTS)
    assert done.status == "complete" and done.payment_status == "paid" and done.customer
    pi = client.v1.payment_intents.retrieve(done.payment_intent, options=OPTS)
    assert pi.status == "succeeded" and pi.amount_received == 1000 and pi.application_fee_amount == 250
    assert pi.setup_future_usage == "off_session" and pi.metadata["pack"] == "10" and pi.customer == done.customer
    charge = client.v1.charges.retrieve(pi.latest_charge, options=OPTS)
    assert charge.paid and charge.application_fee_amount == 250 and charge.application_fee.startswith("fee_")
    assert charge.payment_intent == pi.id and charge.payment_method == pi.payment_method
    saved = client.v1.customers.payment_methods.list(done.customer, options=OPTS)
    assert [pm.id for pm in saved.data] == [pi.payment_method]
    assert saved.data[0].card.last4 == "4242" and saved.data[0].customer == done.customer
    types = event_types(fresh_standin)
    for expected in ("payment_intent.created", "charge.succeeded", "payment_intent.succeeded"):
        assert types.index(expected) < types.index("checkout.session.completed")


def test_the_paid_sessions_objects_have_the_pinned_versions_shape(fresh_standin):
    session = payment_session(fresh_standin)
    pay_with(session.url, GOOD)
    done = _served(fresh_standin, f"/v1/checkout/sessions/{session.id}")
    pi = _served(fresh_standin, f"/v1/payment_intents/{done['payment_intent']}")
    objects = [
        done,
        pi,
        _served(fresh_standin, f"/v1/charges/{pi['latest_charge']}"),
        _served(fresh_standin, f"/v1/payment_methods/{pi['payment_method']}"),
    ]
    checker = Checker(stripe_fixtures())
    assert [p for obj in objects for p in checker.check(obj)] == []


def test_4000_0000_0000_9995_is_declined_for_insufficient_funds_and_stays_on_the_page(fresh_standin):
    session = payment_session(fresh_standin)
    resp = pay_with(session.url, INSUFFICIENT)
    assert resp.status_code == 402 and "Your card has insufficient funds." in resp.text
    assert 'data-testid="checkout-form"' in resp.text
    done = fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id, options=OPTS)
    assert done.status == "open" and done.payment_status == "unpaid"
    pi = fresh_standin.sdk().v1.payment_intents.retrieve(done.payment_intent, options=OPTS)
    assert pi.status == "requires_payment_method"
    assert pi.last_payment_error.code == "card_declined"
    assert pi.last_payment_error.decline_code == "insufficient_funds"
    assert "payment_intent.payment_failed" in event_types(fresh_standin)
    assert "checkout.session.completed" not in event_types(fresh_standin)


def test_a_declined_session_can_still_be_paid_with_another_card_on_the_same_payment_intent(fresh_standin):
    session = payment_session(fresh_standin)
    pay_with(session.url, INSUFFICIENT)
    first = fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id, options=OPTS).payment_intent
    assert pay_with(session.url, GOOD).status_code == 303
    done = fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id, options=OPTS)
    assert done.payment_intent == first and done.status == "complete"


def test_4000_0025_0000_3155_asks_for_authentication_and_completing_it_pays(fresh_standin):
    session = payment_session(fresh_standin)
    challenge = pay_with(session.url, AUTH)
    assert challenge.status_code == 200 and 'data-testid="checkout-3ds-complete"' in challenge.text
    pi_id = fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id, options=OPTS).payment_intent
    pending = fresh_standin.sdk().v1.payment_intents.retrieve(pi_id, options=OPTS)
    assert pending.status == "requires_action" and pending.next_action.type == "use_stripe_sdk"
    assert "payment_intent.requires_action" in event_types(fresh_standin)
    resp = authenticate(session.url, "complete")
    assert resp.status_code == 303
    assert fresh_standin.sdk().v1.payment_intents.retrieve(pi_id, options=OPTS).status == "succeeded"
    assert event_types(fresh_standin)[-1] == "checkout.session.completed"


def test_failing_the_authentication_declines_and_leaves_the_session_open(fresh_standin):
    session = payment_session(fresh_standin)
    pay_with(session.url, AUTH)
    resp = authenticate(session.url, "fail")
    assert resp.status_code == 402 and "unable to authenticate" in resp.text
    done = fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id, options=OPTS)
    pi = fresh_standin.sdk().v1.payment_intents.retrieve(done.payment_intent, options=OPTS)
    assert done.status == "open" and pi.status == "requires_payment_method"
    assert pi.last_payment_error.code == "payment_intent_authentication_failure"
    assert "payment_intent.payment_failed" in event_types(fresh_standin)


def test_4000_0000_0000_0341_is_saved_to_the_customer_but_the_payment_is_declined(fresh_standin):
    session = payment_session(fresh_standin)
    resp = pay_with(session.url, ATTACH_THEN_DECLINE)
    assert resp.status_code == 402 and "Your card was declined." in resp.text
    done = fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id, options=OPTS)
    pi = fresh_standin.sdk().v1.payment_intents.retrieve(done.payment_intent, options=OPTS)
    assert pi.status == "requires_payment_method" and pi.last_payment_error.code == "card_declined"
    saved = fresh_standin.sdk().v1.customers.payment_methods.list(done.customer, options=OPTS)
    assert [pm.card.last4 for pm in saved.data] == ["0341"]


def test_the_platform_cannot_take_an_application_fee_on_its_own_account(fresh_standin):
    with pytest.raises(stripe.InvalidRequestError) as err:
        fresh_standin.sdk().v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "price_data": {"currency": "usd", "unit_amount": 500, "product_data": {"name": "x"}},
                        "quantity": 1,
                    }
                ],
                "payment_intent_data": {"application_fee_amount": 50},
                "success_url": "http://127.0.0.1:9/done",
            }
        )
    assert err.value.param == "payment_intent_data[application_fee_amount]"


def test_the_session_expands_to_its_payment_intent_and_the_saved_card_in_one_call(fresh_standin):
    session = payment_session(fresh_standin)
    pay_with(session.url, GOOD)
    done = fresh_standin.sdk().v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.payment_method", "customer"]}, options=OPTS
    )
    assert done.payment_intent.status == "succeeded" and done.payment_intent.payment_method.card.last4 == "4242"
    assert done.customer.email == "client@example.com"
    served = api(
        fresh_standin,
        "GET",
        f"/v1/checkout/sessions/{session.id}",
        stripe_account=NORTHWIND_DIGITAL,
        **{"expand[]": ["payment_intent.payment_method", "payment_intent.latest_charge"]},
    ).json()
    expanded = {"payment_intent", "payment_intent.payment_method", "payment_intent.latest_charge"}
    assert Checker(stripe_fixtures()).check(served, expanded=expanded) == []


def test_the_pay_checkout_session_action_pays_a_payment_session_as_the_page_would(fresh_standin):
    session = payment_session(fresh_standin)
    paid = fresh_standin.action(
        "pay_checkout_session", account=NORTHWIND_DIGITAL, session=session.id, card=AUTH, authenticate="complete"
    )
    assert paid["status"] == "succeeded" and paid["customer"].startswith("cus_")
    done = fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id, options=OPTS)
    assert done.status == "complete" and done.payment_intent == paid["payment_intent"]
    declined = payment_session(fresh_standin)
    with pytest.raises(AssertionError, match="Your card has insufficient funds"):
        fresh_standin.action("pay_checkout_session", account=NORTHWIND_DIGITAL, session=declined.id, card=INSUFFICIENT)


@pytest.mark.parametrize(
    "params, param",
    [
        ({"payment_intent_data": {"application_fee_amount": 1001}}, "payment_intent_data[application_fee_amount]"),
        (
            {"line_items": [{"price_data": {"unit_amount": 500, "product_data": {"name": "x"}}, "quantity": 1}]},
            "line_items[0][price_data][currency]",
        ),
        (
            {"line_items": [{"price_data": {"currency": "usd", "unit_amount": 500}, "quantity": 1}]},
            "line_items[0][price_data][product_data][name]",
        ),
        ({"customer_creation": "sometimes"}, "customer_creation"),
    ],
)
def test_a_payment_session_with_a_wrong_parameter_is_refused_naming_it(fresh_standin, params, param):
    with pytest.raises(stripe.InvalidRequestError) as err:
        payment_session(fresh_standin, **params)
    assert err.value.param == param


def test_every_event_of_a_payment_carries_its_object_in_the_pinned_shape(fresh_standin):
    session = payment_session(fresh_standin)
    pay_with(session.url, INSUFFICIENT)
    pay_with(session.url, GOOD)
    pi = fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id, options=OPTS).payment_intent
    fresh_standin.sdk().v1.refunds.create(params={"payment_intent": pi, "amount": 300}, options=OPTS)
    events = _served(fresh_standin, "/v1/events?limit=100")["data"]
    types = {e["type"] for e in events}
    assert {"payment_intent.payment_failed", "charge.failed", "payment_method.attached", "charge.refunded"} <= types
    checker = Checker(stripe_fixtures())
    assert [p for e in events for p in checker.check(e) + checker.check(e["data"]["object"], e["type"])] == []


def test_an_expired_payment_session_cancels_its_unpaid_payment_intent(fresh_standin):
    session = payment_session(fresh_standin)
    pay_with(session.url, INSUFFICIENT)
    fresh_standin.set_clock(session.expires_at + 1)
    done = fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id, options=OPTS)
    assert done.status == "expired"
    pi = fresh_standin.sdk().v1.payment_intents.retrieve(done.payment_intent, options=OPTS)
    assert pi.status == "canceled" and pi.cancellation_reason == "expired"
    assert event_types(fresh_standin)[-2:] == ["payment_intent.canceled", "checkout.session.expired"]
    assert httpx.get(session.url).status_code == 410


def test_branding_settings_replace_the_accounts_name_on_the_page(fresh_standin):
    brand = {
        "display_name": "Acme Growth Agency",
        "button_color": "#ff5500",
        "logo": {"type": "url", "url": "https://agency.example/logo.png"},
    }
    session = payment_session(fresh_standin, branding_settings=brand)
    assert session.branding_settings.display_name == "Acme Growth Agency"
    assert session.branding_settings.button_color == "#ff5500" and session.branding_settings.border_style == "rounded"
    page = httpx.get(session.url).text
    assert "Pay Acme Growth Agency" in page and "https://agency.example/logo.png" in page and "#ff5500" in page
    assert "ClientPulse" not in page
    served = _served(fresh_standin, f"/v1/checkout/sessions/{session.id}")
    assert Checker(stripe_fixtures()).check(served) == []


def test_a_session_without_branding_settings_shows_the_accounts_own_name(fresh_standin):
    session = payment_session(fresh_standin)
    assert session.branding_settings.display_name == "Northwind Digital"


@pytest.mark.parametrize(
    "brand, param",
    [
        ({"button_color": "orange"}, "branding_settings[button_color]"),
        ({"border_style": "wavy"}, "branding_settings[border_style]"),
        ({"logo": {"type": "url", "url": "javascript:alert(1)"}}, "branding_settings[logo]"),
    ],
)
def test_wrong_branding_settings_are_refused_naming_them(fresh_standin, brand, param):
    with pytest.raises(stripe.InvalidRequestError) as err:
        payment_session(fresh_standin, branding_settings=brand)
    assert err.value.param == param
