"""The generator bills the way agencies' Stripe accounts really do: failed card payments Stripe retries, invoices
sent with a due date, coupons of every kind, websites in metadata, and events that show the past as it was."""

from __future__ import annotations

import time
from collections import defaultdict

import pytest

from stripe_standin.__main__ import _scale as cli_scale
from stripe_standin.coupons import MONTH
from stripe_standin.generator import parse_scale, seed_store
from stripe_standin.store import Store

from .helpers import NORTHWIND_DIGITAL, linked_sdk

DAY = 86400


@pytest.fixture(scope="module")
def demo() -> tuple[Store, int]:
    """The demo agency, generated in this process (internal records, for what the API renders differently)."""
    store = Store()
    seed_store(store, 42, "demo")
    return store, store.now()


def _by_customer_name(objects: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for obj in objects:
        out[obj.get("customer_name") or ""].append(obj)
    return out


def test_automatic_invoices_have_no_due_date_and_failed_ones_show_their_attempts_and_failed_charges(fresh_standin):
    now = int(time.time())
    invoices = fresh_standin.objects(NORTHWIND_DIGITAL, "invoices", limit=100000)
    charges = fresh_standin.objects(NORTHWIND_DIGITAL, "charges", limit=100000)
    automatic = [i for i in invoices if i["collection_method"] == "charge_automatically"]
    assert automatic and all(i["due_date"] is None for i in automatic)

    failing = [i for i in automatic if i["status"] == "open" and i["attempt_count"] >= 1]
    assert all(i["attempted"] and i["status_transitions"]["finalized_at"] for i in failing)
    retrying = [i for i in failing if i["next_payment_attempt"]]
    given_up = [i for i in failing if i["next_payment_attempt"] is None]
    assert retrying and given_up, "Stripe still retries some failed payments and has given up on others"
    assert all(i["next_payment_attempt"] > now for i in retrying)

    failed_charges = [c for c in charges if c["status"] == "failed"]
    assert failed_charges and all(not c["paid"] and c["amount_captured"] == 0 for c in failed_charges)
    assert all(
        c["failure_code"] and c["failure_message"] and c["outcome"]["type"] == "issuer_declined" for c in failed_charges
    )
    for inv in failing:
        attempts = [
            c
            for c in failed_charges
            if c["customer"] == inv["customer"]
            and c["amount"] == inv["amount_due"]
            and c["created"] >= inv["status_transitions"]["finalized_at"]
        ]
        assert len(attempts) >= inv["attempt_count"], f"{inv['id']}: one failed charge per attempt"

    retried_then_paid = [i for i in automatic if i["status"] == "paid" and i["attempt_count"] >= 2]
    assert retried_then_paid, "some payments went through on a retry"


def test_sent_invoices_fall_due_and_are_paid_on_time_late_or_not_yet(fresh_standin):
    now = int(time.time())
    sent = [
        i
        for i in fresh_standin.objects(NORTHWIND_DIGITAL, "invoices", limit=100000)
        if i["collection_method"] == "send_invoice" and i["status"] != "draft"
    ]
    assert sent and all(i["due_date"] > i["status_transitions"]["finalized_at"] for i in sent)
    paid = [i for i in sent if i["status"] == "paid"]
    assert any(i["status_transitions"]["paid_at"] <= i["due_date"] for i in paid), "paid on time"
    assert any(i["status_transitions"]["paid_at"] > i["due_date"] for i in paid), "paid late"
    still_open = [i for i in sent if i["status"] == "open"]
    assert any(i["due_date"] < now for i in still_open), "open past its due date"
    assert any(i["due_date"] > now for i in still_open), "open, not yet due"


def test_the_demo_has_clients_overdue_both_ways(fresh_standin):
    now = int(time.time())
    invoices = _by_customer_name(fresh_standin.objects(NORTHWIND_DIGITAL, "invoices", limit=100000))

    def latest(name: str) -> dict:
        return max(invoices[name], key=lambda i: i["created"])

    retrying, given_up = latest("Copperleaf Dental Group"), latest("Ironclad Security Inc")
    for inv in (retrying, given_up):
        assert inv["collection_method"] == "charge_automatically" and inv["status"] == "open"
        assert inv["due_date"] is None and inv["attempt_count"] >= 1
    assert retrying["next_payment_attempt"] > now and given_up["next_payment_attempt"] is None
    late = latest("Evergreen Legal LLP")
    assert late["collection_method"] == "send_invoice" and late["status"] == "open" and late["due_date"] < now
    subs = {s["customer"]: s for s in fresh_standin.objects(NORTHWIND_DIGITAL, "subscriptions", limit=1000)}
    assert subs[retrying["customer"]]["status"] == "past_due"
    assert subs[late["customer"]]["status"] == "past_due"


def test_every_kind_of_coupon_discounts_a_monthly_and_an_annual_subscription(demo):
    store, now = demo
    acct = store.accounts[NORTHWIND_DIGITAL]
    kinds: dict[str, set[tuple[str, str]]] = {"month": set(), "year": set()}
    for sub in acct.subscriptions.by_id.values():
        disc = sub.get("discount")
        if not disc or sub["status"] == "canceled":
            continue
        price = acct.prices.get(sub["items"][0]["price"])
        cycle = {("month", 1): "month", ("year", 1): "year"}.get((price["interval"], price["interval_count"]))
        cpn = acct.coupons[disc["coupon"]]
        if cycle:
            kinds[cycle] |= {("percent" if cpn["percent_off"] else "amount", "off"), (cpn["duration"], "duration")}
        if cpn["duration"] == "repeating":
            assert disc["end"] == disc["start"] + cpn["duration_in_months"] * MONTH and disc["end"] > now
        else:
            assert disc["end"] is None, "Stripe sets a discount's end for repeating coupons only"
        if cpn["amount_off"]:
            assert cpn["currency"] == sub["currency"], "an amount off is in the subscription's currency"
    every_kind = {
        ("percent", "off"),
        ("amount", "off"),
        ("once", "duration"),
        ("repeating", "duration"),
        ("forever", "duration"),
    }
    assert kinds["month"] == every_kind and kinds["year"] == every_kind


def test_a_discount_lowers_only_the_invoices_it_applies_to(demo):
    store, _ = demo
    acct = store.accounts[NORTHWIND_DIGITAL]
    discounted = [i for i in acct.invoices.by_id.values() if i["discount_amount"]]
    assert discounted
    for inv in discounted:
        assert acct.discounts[inv["discount_id"]]["coupon"] == inv["discount_coupon"]
        assert inv["total"] == inv["subtotal"] - inv["discount_amount"] + inv["tax"]
        cpn = acct.coupons[inv["discount_coupon"]]
        if cpn["amount_off"]:
            assert inv["discount_amount"] == min(cpn["amount_off"], inv["subtotal"])
    once = [i for i in discounted if acct.coupons[i["discount_coupon"]]["duration"] == "once"]
    assert len({i["discount_id"] for i in once}) == len(once), "a once coupon discounts one invoice"
    full_price_after_end = [
        i
        for i in acct.invoices.by_id.values()
        if i["subscription"] and not i["discount_amount"] and i["status"] != "draft"
    ]
    assert full_price_after_end


def test_discounted_invoices_show_the_discount_in_stripes_fields(fresh_standin):
    invoices = fresh_standin.objects(NORTHWIND_DIGITAL, "invoices", limit=100000)
    discounted = [i for i in invoices if i["total_discount_amounts"]]
    assert discounted
    for inv in discounted:
        off = sum(d["amount"] for d in inv["total_discount_amounts"])
        assert inv["total"] == inv["subtotal"] - off + sum(t["amount"] for t in inv["total_taxes"])


def test_websites_live_in_metadata_never_in_a_top_level_field(fresh_standin):
    customers = fresh_standin.objects(NORTHWIND_DIGITAL, "customers", limit=100000)
    with_website = [c for c in customers if c["metadata"].get("website")]
    assert len(with_website) >= 2
    keystone = next(c for c in customers if c["name"] == "Keystone Realty")
    assert keystone["metadata"]["website"] == "https://keystonerealty.com"
    assert keystone["metadata"]["standin_kind"] == "website"
    assert all(c.get("website") is None for c in customers)


def test_events_show_the_object_as_it_was_when_they_happened(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    events = [e.to_dict() for e in client.v1.events.list(params={"limit": 100}, options=opts).auto_paging_iter()]
    current = {i["id"]: i for i in fresh_standin.objects(NORTHWIND_DIGITAL, "invoices", limit=100000)}
    failed = [e for e in events if e["type"] == "invoice.payment_failed"]
    assert failed and all(e["data"]["object"]["status"] == "open" for e in failed)
    attempts = sorted(
        e["data"]["object"]["attempt_count"]
        for e in failed
        if e["data"]["object"]["customer_name"] == "Copperleaf Dental Group"
    )
    assert attempts[:2] == [1, 2], "each failed attempt's event shows the count at that attempt"
    created = [e for e in events if e["type"] == "invoice.created"]
    assert created and all(e["data"]["object"]["status"] == "draft" for e in created)
    assert any(current[e["data"]["object"]["id"]]["status"] == "paid" for e in created), "paid since"
    paid = [e for e in events if e["type"] == "invoice.paid"]
    assert paid and all(e["data"]["object"]["status"] == "paid" for e in paid)
    updated = [e for e in events if e["type"] == "invoice.updated" and e["data"]["object"]["status"] == "paid"]
    assert updated and all(e["data"]["previous_attributes"]["status"] == "open" for e in updated)
    assert not any(e["data"].get("previous_attributes") for e in events if not e["type"].endswith(".updated"))


def test_actions_make_an_automatic_invoice_overdue_by_a_failed_payment_not_a_due_date(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    inv = next(
        i
        for i in client.v1.invoices.list(params={"status": "paid", "limit": 100}, options=opts)
        if i.collection_method == "charge_automatically"
    )
    event = fresh_standin.action("mark_invoice_past_due", account=NORTHWIND_DIGITAL, invoice=inv.id, days_overdue=9)[
        "event"
    ]
    assert event["type"] == "invoice.payment_failed"
    now = client.v1.invoices.retrieve(inv.id, options=opts)
    assert now.status == "open" and now.due_date is None and now.attempt_count == inv.attempt_count + 1
    assert now.status_transitions.finalized_at <= int(time.time()) - 9 * DAY
    failed = client.v1.charges.list(params={"customer": inv.customer, "limit": 100}, options=opts).data
    assert any(c.status == "failed" and c.amount == inv.amount_due for c in failed)


def test_the_same_seed_gives_the_same_agency_history():
    first, second = Store(), Store()
    first.fixed_now = second.fixed_now = 1_790_000_000
    seed_store(first, 5, "small")
    seed_store(second, 5, "small")
    acct_a, acct_b = first.accounts[NORTHWIND_DIGITAL], second.accounts[NORTHWIND_DIGITAL]
    for name in ("customers", "subscriptions", "invoices", "charges", "events"):
        assert list(acct_a.collection(name).by_id) == list(acct_b.collection(name).by_id)


def test_an_agency_of_two_thousand_customers_has_about_five_invoices_each():
    assert parse_scale("2000-customers") == (2000, None)
    assert parse_scale("2000") == parse_scale("2000-invoices") == (None, 2000)
    assert cli_scale("2000-customers") == "2000-customers" and cli_scale("2000-invoices") == 2000
    info = seed_store(Store(), 2, "2000-customers")
    counts = info["accounts"][NORTHWIND_DIGITAL]
    assert counts["customers"] == 2000
    assert 4 * 2000 <= counts["invoices"] <= 6 * 2000
