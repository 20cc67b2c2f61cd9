"""The Customer Portal: a session for a customer, whose page cancels their subscription now or at period end."""

from __future__ import annotations

import re

import httpx
import pytest
import stripe

from .hosted import checkout_session, pay

RETURN = "http://127.0.0.1:9/billing"


@pytest.fixture
def subscribed(fresh_standin):
    """A customer who bought the Agency plan through Checkout: (customer id, subscription id)."""
    session = checkout_session(fresh_standin)
    pay(session.url, "4242424242424242")
    done = fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id)
    return done.customer, done.subscription


def _portal(standin, customer):
    return standin.sdk().v1.billing_portal.sessions.create(params={"customer": customer, "return_url": RETURN})


def _last_event(standin):
    return standin.sdk().v1.events.list(params={"limit": 1}).data[0]


def test_a_portal_session_links_to_a_page_listing_the_customers_subscription(fresh_standin, subscribed):
    customer, sub_id = subscribed
    portal = _portal(fresh_standin, customer)
    assert portal.object == "billing_portal.session" and portal.customer == customer
    assert portal.return_url == RETURN
    page = httpx.get(portal.url)
    assert page.status_code == 200
    assert f'data-subscription="{sub_id}"' in page.text and "ClientPulse Agency" in page.text
    assert re.search(r'href="http://127.0.0.1:9/billing"', page.text)


def test_a_portal_session_needs_an_existing_customer(fresh_standin):
    with pytest.raises(stripe.InvalidRequestError) as err:
        _portal(fresh_standin, "cus_nope")
    assert err.value.param == "customer"


def test_cancelling_at_period_end_keeps_it_active_and_sends_an_update(fresh_standin, subscribed):
    customer, sub_id = subscribed
    portal = _portal(fresh_standin, customer)
    done = httpx.post(portal.url, data={"subscription": sub_id, "when": "period_end"})
    assert done.status_code == 303 and done.headers["location"] == RETURN
    sub = fresh_standin.sdk().v1.subscriptions.retrieve(sub_id)
    assert sub.status == "active" and sub.cancel_at_period_end
    assert sub.cancel_at == sub.items.data[0].current_period_end
    event = _last_event(fresh_standin)
    assert (
        event.type == "customer.subscription.updated" and event.data.previous_attributes.cancel_at_period_end is False
    )


def test_cancelling_now_ends_it_and_sends_deleted(fresh_standin, subscribed):
    customer, sub_id = subscribed
    httpx.post(_portal(fresh_standin, customer).url, data={"subscription": sub_id, "when": "now"})
    sub = fresh_standin.sdk().v1.subscriptions.retrieve(sub_id)
    assert sub.status == "canceled" and sub.ended_at
    event = _last_event(fresh_standin)
    assert event.type == "customer.subscription.deleted" and event.data.object.id == sub_id
    assert "No active subscriptions." in httpx.get(_portal(fresh_standin, customer).url).text


def test_another_customers_subscription_cannot_be_canceled_from_a_portal(fresh_standin, subscribed):
    _, sub_id = subscribed
    stranger = fresh_standin.sdk().v1.customers.create(params={"email": "stranger@else.test"})
    refused = httpx.post(_portal(fresh_standin, stranger.id).url, data={"subscription": sub_id, "when": "now"})
    assert refused.status_code == 404
    assert fresh_standin.sdk().v1.subscriptions.retrieve(sub_id).status == "active"


def test_an_unknown_portal_session_is_not_found(fresh_standin):
    assert httpx.get(f"{fresh_standin.base_url}/p/session/nope").status_code == 404
