"""MRR from what the sync stores: subscriptions arrive with their discounts and coupons expanded, by backfill and by
webhook, so a coupon changes MRR on the pinned API version where Stripe sends discounts as ids."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import pytest

from app.core.timeutil import utcnow
from app.stripe_data import catchup, mrr
from app.stripe_data.tables import StripePartialObject, StripeSubscription
from app.workspaces.services import set_plan
from tests.integration.conftest import signed
from tests.integration.sync_support import backfill, link, options
from tests.plugins.standin import NORTHWIND_DIGITAL


@pytest.fixture(name="synced")
async def fx_synced(alice, stripe_standin) -> int:
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    assert (await backfill(alice.workspace.id, NORTHWIND_DIGITAL)).status == "done"
    return alice.workspace.id


async def _stored(subscription_id: str) -> dict:
    row = await StripeSubscription.objects().where(StripeSubscription.stripe_id == subscription_id).first()
    assert row is not None, f"{subscription_id} was not stored"
    return json.loads(row.stripe_object) if isinstance(row.stripe_object, str) else row.stripe_object


def _discounted_ids(standin) -> list[str]:
    return [s["id"] for s in standin.objects(NORTHWIND_DIGITAL, "subscriptions", limit=10_000) if s["discounts"]]


async def test_a_backfill_stores_each_discount_with_its_coupon_expanded(synced, stripe_standin):
    discounted = _discounted_ids(stripe_standin)
    assert discounted, "the generated agency has subscriptions with coupons"
    for subscription_id in discounted:
        for discount in (await _stored(subscription_id))["discounts"]:
            assert discount["object"] == "discount"
            assert discount["source"]["coupon"]["object"] == "coupon"
            assert discount["source"]["coupon"]["id"]


def _plain_monthly(standin) -> dict:
    """An active one-item monthly subscription without a discount or trial, as Stripe serves it."""
    for candidate in standin.objects(NORTHWIND_DIGITAL, "subscriptions", limit=10_000):
        items = candidate["items"]["data"]
        recurring = items[0]["price"]["recurring"] if len(items) == 1 else {}
        if (
            candidate["status"] == "active"
            and not candidate["discounts"]
            and not candidate["trial_end"]
            and recurring.get("interval") == "month"
            and recurring.get("interval_count") == 1
        ):
            return candidate
    raise AssertionError("no plain active monthly subscription in the generated agency")


async def test_a_coupon_added_by_webhook_with_discount_ids_still_yields_the_coupon_adjusted_mrr(
    client, synced, stripe_standin
):
    sub = _plain_monthly(stripe_standin)
    item = sub["items"]["data"][0]
    gross = item["price"]["unit_amount"] * item["quantity"]
    assert mrr.monthly_amount(await _stored(sub["id"]), utcnow()) == gross

    event = stripe_standin.action(
        "apply_coupon", account=NORTHWIND_DIGITAL, subscription=sub["id"], coupon="WELCOME20"
    )["event"]
    assert event["type"] == "customer.subscription.updated"
    assert all(isinstance(d, str) for d in event["data"]["object"]["discounts"]), "events carry discount ids"
    payload, headers = signed(event)
    assert (await client.post("/billing/stripe/webhook", content=payload, headers=headers)).status_code == 200

    stored = await _stored(sub["id"])
    coupon = stored["discounts"][0]["source"]["coupon"]
    assert coupon["id"] == "WELCOME20" and coupon["percent_off"] == 20
    expected = (Decimal(gross) * 80 / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)  # 20% off, forever
    assert mrr.monthly_amount(stored, utcnow()) == int(expected)


async def test_a_subscription_whose_discounts_stripe_refuses_is_stored_partial_and_completed_by_a_later_catch_up(
    client, synced, stripe_standin
):
    sub = _plain_monthly(stripe_standin)
    event = stripe_standin.action(
        "apply_coupon", account=NORTHWIND_DIGITAL, subscription=sub["id"], coupon="WELCOME20"
    )["event"]
    stripe_standin.set_faults(fail_next=-1, fail_path=f"/v1/subscriptions/{sub['id']}", fail_status=400)
    payload, headers = signed(event)
    assert (await client.post("/billing/stripe/webhook", content=payload, headers=headers)).status_code == 200

    # The event's own copy is kept (its status and items are right) and the subscription is marked partial.
    assert all(isinstance(d, str) for d in (await _stored(sub["id"]))["discounts"])
    mark = await StripePartialObject.objects().where(StripePartialObject.stripe_id == sub["id"]).first()
    assert mark is not None and (mark.object_type, mark.what, mark.status_code) == ("subscription", "discounts", 400)

    stripe_standin.clear_faults()
    await catchup.run_catchup(synced, options(NORTHWIND_DIGITAL))
    assert await StripePartialObject.count().where(StripePartialObject.stripe_id == sub["id"]) == 0
    assert (await _stored(sub["id"]))["discounts"][0]["source"]["coupon"]["id"] == "WELCOME20"


async def test_a_full_listing_makes_a_partial_subscription_whole_again(client, synced, stripe_standin):
    sub = _plain_monthly(stripe_standin)
    event = stripe_standin.action(
        "apply_coupon", account=NORTHWIND_DIGITAL, subscription=sub["id"], coupon="WELCOME20"
    )["event"]
    stripe_standin.set_faults(fail_next=-1, fail_path=f"/v1/subscriptions/{sub['id']}", fail_status=400)
    payload, headers = signed(event)
    assert (await client.post("/billing/stripe/webhook", content=payload, headers=headers)).status_code == 200
    assert await StripePartialObject.count().where(StripePartialObject.stripe_id == sub["id"]) == 1

    stripe_standin.clear_faults()
    assert (await backfill(synced, NORTHWIND_DIGITAL)).status == "done"
    assert await StripePartialObject.count().where(StripePartialObject.stripe_id == sub["id"]) == 0
    assert (await _stored(sub["id"]))["discounts"][0]["source"]["coupon"]["id"] == "WELCOME20"
