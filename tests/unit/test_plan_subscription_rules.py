"""Which plan a ClientPulse subscription leaves a workspace on, from Stripe's status and price (app.billing.events)."""

import pytest

from app.billing.events import plan_after, subscription_named
from app.billing.services import plan_for_price
from app.workspaces.plans import Plan

AGENCY_PRICE = "price_ClientPulseAgencyMonthly"
PRO_PRICE = "price_ClientPulseProMonthly"


def test_each_configured_price_sells_its_plan_and_any_other_price_none():
    assert plan_for_price(AGENCY_PRICE) is Plan.agency and plan_for_price(PRO_PRICE) is Plan.pro
    assert plan_for_price("price_SomethingElse") is None and plan_for_price("") is None


@pytest.mark.parametrize("status", ["active", "trialing"])
def test_a_paying_subscription_sets_the_plan_of_its_price(status):
    assert plan_after(status, AGENCY_PRICE, Plan.free) is Plan.agency
    assert plan_after(status, PRO_PRICE, Plan.agency) is Plan.pro


def test_a_paying_subscription_at_a_price_we_dont_sell_changes_nothing():
    assert plan_after("active", "price_SomethingElse", Plan.pro) is Plan.pro


@pytest.mark.parametrize("status", ["past_due", "incomplete"])
def test_while_stripe_retries_or_before_the_first_payment_the_plan_stays(status):
    assert plan_after(status, AGENCY_PRICE, Plan.agency) is Plan.agency
    assert plan_after(status, AGENCY_PRICE, Plan.free) is Plan.free


@pytest.mark.parametrize("status", ["canceled", "unpaid", "incomplete_expired", "paused"])
def test_an_ended_subscription_drops_the_workspace_to_free(status):
    assert plan_after(status, AGENCY_PRICE, Plan.agency) is Plan.free


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            {
                "type": "checkout.session.completed",
                "data": {"object": {"mode": "subscription", "subscription": "sub_1", "client_reference_id": "7"}},
            },
            ("sub_1", 7),
        ),
        (
            {"type": "checkout.session.completed", "data": {"object": {"mode": "payment", "client_reference_id": "7"}}},
            ("", None),
        ),
        (
            {
                "type": "checkout.session.completed",
                "data": {
                    "object": {"mode": "subscription", "subscription": {"id": "sub_2"}, "client_reference_id": "x"}
                },
            },
            ("sub_2", None),
        ),
        ({"type": "customer.subscription.deleted", "data": {"object": {"id": "sub_3"}}}, ("sub_3", None)),
        (
            {
                "type": "invoice.payment_failed",
                "data": {"object": {"parent": {"subscription_details": {"subscription": "sub_4"}}}},
            },
            ("sub_4", None),
        ),
        ({"type": "invoice.paid", "data": {"object": {"parent": None}}}, ("", None)),
        ({"type": "charge.succeeded", "data": {"object": {"id": "ch_1"}}}, ("", None)),
    ],
)
def test_each_event_names_the_subscription_to_refetch(event, expected):
    assert subscription_named(event) == expected
