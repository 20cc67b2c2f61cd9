"""Paying for ClientPulse: Checkout Sessions in subscription mode on the platform account, the hosted card page,
and renewals whose payment fails."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.plugins.standin import wait_until

from .hosted import AGENCY_PRICE, PRO_PRICE, api, checkout_session, pay
from .test_it_signs_webhooks_like_stripe import Receiver

PURCHASE_EVENTS = [
    "customer.created",
    "customer.subscription.created",
    "invoice.created",
    "invoice.finalized",
    "charge.succeeded",
    "invoice.paid",
    "invoice.payment_succeeded",
    "customer.subscription.updated",
    "checkout.session.completed",
]


@pytest.fixture
def receiver():
    rec = Receiver()
    yield rec
    rec.close()


def _platform_events(standin) -> list:
    """The platform's events, oldest first (as emitted)."""
    return list(reversed(standin.sdk().v1.events.list(params={"limit": 100}).data))


def test_the_documented_plan_prices_are_on_the_platform_account(fresh_standin):
    sdk = fresh_standin.sdk()
    agency, pro = sdk.v1.prices.retrieve(AGENCY_PRICE), sdk.v1.prices.retrieve(PRO_PRICE)
    assert (agency.unit_amount, agency.currency, agency.recurring.interval) == (79900, "usd", "month")
    assert pro.unit_amount == 24900 and sdk.v1.products.retrieve(pro.product).name == "ClientPulse Pro"


def test_prices_created_through_the_api_can_be_sold(fresh_standin):
    sdk = fresh_standin.sdk()
    product = sdk.v1.products.create(params={"name": "ClientPulse Agency (annual)"})
    price = sdk.v1.prices.create(
        params={"product": product.id, "unit_amount": 799000, "currency": "usd", "recurring": {"interval": "year"}}
    )
    session = checkout_session(fresh_standin, price.id)
    assert session.amount_total == 799000 and session.currency == "usd"


def test_a_session_opens_in_subscription_mode_with_a_hosted_page(fresh_standin):
    session = checkout_session(fresh_standin)
    assert session.id.startswith("cs_test_") and session.mode == "subscription"
    assert session.status == "open" and session.payment_status == "unpaid"
    assert session.client_reference_id == "workspace-7" and session.metadata["workspace"] == "7"
    assert session.customer_email == "owner@agency.test" and session.amount_total == 79900
    page = httpx.get(session.url)
    assert page.status_code == 200
    assert "ClientPulse Agency" in page.text and "$799.00" in page.text
    assert fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id).status == "open"


@pytest.mark.parametrize(
    "params, param",
    [
        ({"mode": "rental"}, "mode"),
        ({"line_items": [{"price": "price_nope", "quantity": 1}]}, "line_items[0][price]"),
        ({"success_url": ""}, "success_url"),
        ({"customer": "cus_nope", "customer_email": None}, "customer"),
    ],
)
def test_a_session_with_a_wrong_parameter_is_refused_naming_it(fresh_standin, params, param):
    with pytest.raises(stripe.InvalidRequestError) as err:
        checkout_session(fresh_standin, **{k: v for k, v in params.items() if v is not None})
    assert err.value.param == param


def test_paying_with_4242_creates_an_active_subscription_and_a_paid_invoice(fresh_standin):
    session = checkout_session(fresh_standin)
    paid = pay(session.url, "4242 4242 4242 4242", name="Olive Owner")
    assert paid.status_code == 303
    assert paid.headers["location"] == f"http://127.0.0.1:9/billing/done?session_id={session.id}"
    done = fresh_standin.sdk().v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["subscription", "invoice", "customer"]}
    )
    assert done.status == "complete" and done.payment_status == "paid" and done.url is None
    assert done.customer.email == "owner@agency.test"
    assert done.subscription.status == "active" and done.subscription.items.data[0].price.id == AGENCY_PRICE
    assert done.invoice.status == "paid" and done.invoice.amount_paid == 79900
    assert done.subscription.latest_invoice == done.invoice.id
    assert done.customer_details.email == "owner@agency.test"


def test_a_purchase_sends_its_events_in_stripes_order(fresh_standin):
    session = checkout_session(fresh_standin)
    pay(session.url, "4242424242424242")
    events = _platform_events(fresh_standin)
    assert [e.type for e in events] == PURCHASE_EVENTS
    created, updated = events[1].data.object, events[7].data.object
    assert created.status == "incomplete" and updated.status == "active"
    completed = events[-1].data.object
    assert completed.id == session.id and completed.client_reference_id == "workspace-7"
    assert completed.subscription == updated.id


def test_platform_events_reach_the_platform_endpoint_without_an_account(fresh_standin, receiver):
    secret = fresh_standin.register_webhook(receiver.url, ["checkout.session.completed", "invoice.paid"], connect=False)
    pay(checkout_session(fresh_standin).url, "4242424242424242")
    wait_until(lambda: len(receiver.received) >= 2, message="two platform webhooks")
    events = [stripe.Webhook.construct_event(b, h["Stripe-Signature"], secret) for b, h in receiver.received]
    assert sorted(e.type for e in events) == ["checkout.session.completed", "invoice.paid"]
    assert all("account" not in e for e in events)


def test_the_declined_card_shows_why_and_stays_on_the_page_creating_nothing(fresh_standin):
    session = checkout_session(fresh_standin)
    declined = pay(session.url, "4000 0000 0000 9995")
    assert declined.status_code == 402
    assert 'data-testid="checkout-error"' in declined.text and "Your card has insufficient funds." in declined.text
    assert 'data-testid="checkout-submit"' in declined.text, "the card form is still there to try again"
    assert fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id).status == "open"
    assert _platform_events(fresh_standin) == []
    assert pay(session.url, "4242 4242 4242 4242").status_code == 303


def test_a_card_number_that_is_not_a_test_card_is_declined(fresh_standin):
    declined = pay(checkout_session(fresh_standin).url, "4242 4242 4242 4241")
    assert declined.status_code == 402 and "Your card number is incorrect." in declined.text


def test_a_completed_session_cannot_be_paid_again(fresh_standin):
    session = checkout_session(fresh_standin)
    pay(session.url, "4242424242424242")
    again = httpx.post(session.url, data={"card_number": "4242424242424242"})
    assert again.status_code == 410
    assert len(fresh_standin.sdk().v1.subscriptions.list().data) == 1


def test_an_existing_customer_can_check_out_without_a_new_customer(fresh_standin):
    customer = fresh_standin.sdk().v1.customers.create(params={"email": "back@agency.test"})
    session = checkout_session(fresh_standin, customer=customer.id)
    pay(session.url, "4242424242424242")
    done = fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id)
    assert done.customer == customer.id
    assert "customer.created" not in [e.type for e in _platform_events(fresh_standin)][1:]


def test_an_expired_session_is_no_longer_payable(fresh_standin):
    session = checkout_session(fresh_standin)
    fresh_standin.set_clock(session.expires_at + 1)
    assert httpx.get(session.url).status_code == 410
    assert fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id).status == "expired"


def test_a_failed_renewal_makes_the_subscription_past_due_then_canceled_when_retries_run_out(fresh_standin):
    session = checkout_session(fresh_standin)
    pay(session.url, "4242424242424242")
    sdk = fresh_standin.sdk()
    sub_id = sdk.v1.checkout.sessions.retrieve(session.id).subscription
    fresh_standin.action("fail_subscription_renewal", subscription=sub_id)
    sub = sdk.v1.subscriptions.retrieve(sub_id)
    assert sub.status == "past_due"
    renewal = sdk.v1.invoices.retrieve(sub.latest_invoice)
    assert renewal.status == "open" and renewal.billing_reason == "subscription_cycle" and renewal.next_payment_attempt
    fresh_standin.action("fail_subscription_renewal", subscription=sub_id)
    sub = sdk.v1.subscriptions.retrieve(sub_id)
    assert sub.status == "canceled" and sub.cancellation_details.reason == "payment_failed"
    types = [e.type for e in _platform_events(fresh_standin)][len(PURCHASE_EVENTS) :]
    assert types[-1] == "customer.subscription.deleted" and "customer.subscription.updated" in types
    assert types.index("invoice.payment_failed") < types.index("customer.subscription.updated")


def test_checkout_sessions_of_the_platform_are_not_visible_to_a_connected_account(fresh_standin):
    session = checkout_session(fresh_standin)
    fresh_standin.link()
    resp = api(fresh_standin, "GET", f"/v1/checkout/sessions/{session.id}", "acct_1NorthwindDigital")
    assert resp.status_code == 404
