"""The plans module is the one place that knows each plan's label, price, client limit and features."""

from types import SimpleNamespace

import pytest

from app.core.errors import PlanRequired
from app.workspaces import plans
from app.workspaces.plans import PLAN_IDS, Feature, Plan


def test_the_plans_are_listed_cheapest_first_with_their_labels_and_prices():
    assert PLAN_IDS == ("free", "pro", "agency")
    assert [(t.label, t.price) for t in plans.PLANS.values()] == [
        ("Free", "$0"),
        ("Pro", "$249/mo"),
        ("Agency", "$799+/mo"),
    ]


def test_only_free_limits_clients_and_says_so_in_its_refusal():
    assert [plans.client_limit(plan) for plan in Plan] == [3, None, None]
    assert plans.terms("free").limit_message == "The Free plan includes up to 3 clients. Upgrade to add more."
    assert plans.terms(Plan.pro).limit_message == ""


@pytest.mark.parametrize("feature", [Feature.stripe_connect, Feature.auto_billing])
def test_stripe_connect_and_auto_billing_need_the_agency_plan(feature):
    assert [plans.allows(plan, feature) for plan in Plan] == [False, False, True]


def test_a_lower_plan_is_refused_with_the_message_the_product_promises():
    for plan in ("free", "pro"):
        with pytest.raises(PlanRequired) as refused:
            plans.require(SimpleNamespace(plan=plan), Feature.stripe_connect)
        assert refused.value.message == "Stripe Connect is only available on the Agency plan"
    plans.require(SimpleNamespace(plan="agency"), Feature.auto_billing)


def test_the_billing_page_lists_the_limit_first_and_agency_builds_on_pro():
    free, pro, agency = plans.PLANS.values()
    assert free.bullets[0] == "Up to 3 clients"
    assert pro.bullets[0] == "Unlimited clients"
    assert agency.bullets[0] == "Everything in Pro" and "Auto Billing for your clients" in agency.bullets


def test_only_a_plan_with_stripe_connect_promises_what_reads_stripe():
    for terms in plans.PLANS.values():
        promised = {"Revenue dashboards", "Monday Brief"} & set(terms.bullets)
        assert not promised or terms.allows(Feature.stripe_connect), terms.label
    assert {"Revenue dashboards", "Monday Brief"} <= set(plans.PLANS[Plan.agency].bullets)


def test_new_workspaces_start_on_free_and_an_unknown_plan_is_refused():
    assert plans.STARTING_PLAN is Plan.free
    assert plans.plan_for(SimpleNamespace(plan="pro")).label == "Pro"
    with pytest.raises(ValueError):
        plans.terms("platinum")
