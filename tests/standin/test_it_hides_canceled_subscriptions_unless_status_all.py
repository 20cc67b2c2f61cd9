"""Stripe's trap: GET /v1/subscriptions leaves out canceled subscriptions unless status=all."""

from __future__ import annotations

from .helpers import linked_sdk


def _all(client, opts, **params):
    return list(client.v1.subscriptions.list(params={"limit": 100, **params}, options=opts).auto_paging_iter())


def test_the_default_list_omits_canceled_subscriptions(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    default = _all(client, opts)
    everything = _all(client, opts, status="all")
    canceled = _all(client, opts, status="canceled")
    assert canceled, "the demo data should contain churned customers"
    assert all(s.status != "canceled" for s in default)
    assert len(everything) == len(default) + len(canceled)
    assert {s.status for s in everything} >= {"active", "canceled", "past_due"}


def test_subscriptions_carry_items_prices_quantities_and_discounts(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    subs = _all(client, opts, status="all", expand=["data.discounts.source.coupon"])
    intervals = {
        (s["items"].data[0].price.recurring.interval, s["items"].data[0].price.recurring.interval_count) for s in subs
    }
    assert ("month", 1) in intervals and ("month", 3) in intervals and ("year", 1) in intervals
    assert all(s["items"].data[0].quantity >= 1 for s in subs)
    discounted = [s for s in subs if s.discounts]
    assert discounted
    coupon = discounted[0].discounts[0].source.coupon
    assert coupon.percent_off or coupon.amount_off
    assert any(s.trial_end for s in subs)
    assert any(s.cancel_at_period_end for s in subs) or any(s.status == "trialing" for s in subs)


def test_cancelling_a_subscription_moves_it_out_of_the_default_list(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    active = client.v1.subscriptions.list(params={"status": "active", "limit": 1}, options=opts).data[0]
    fresh_standin.action("cancel_subscription", account=opts["stripe_account"], subscription=active.id)
    assert active.id not in {s.id for s in _all(client, opts)}
    assert client.v1.subscriptions.retrieve(active.id, options=opts).status == "canceled"


def test_cancel_at_period_end_keeps_it_listed(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    active = client.v1.subscriptions.list(params={"status": "active", "limit": 1}, options=opts).data[0]
    fresh_standin.action(
        "cancel_subscription", account=opts["stripe_account"], subscription=active.id, at_period_end=True
    )
    sub = client.v1.subscriptions.retrieve(active.id, options=opts)
    assert sub.cancel_at_period_end is True and sub.status == "active"
