"""The generator: deterministic by seed, realistic agency data with the awkward cases."""

from __future__ import annotations

import subprocess
import sys
import time

from stripe_standin.generator import seed_store
from stripe_standin.generator_data import DEMO_CLIENTS
from stripe_standin.store import Store

from .helpers import ELSEWHERE, NORTHWIND_DIGITAL, NORTHWIND_LABS

FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me")


def test_the_same_seed_gives_the_same_data(fresh_standin):
    now = int(time.time())
    fresh_standin.set_clock(now)
    fresh_standin.reset(seed=7)
    first = fresh_standin.objects(NORTHWIND_DIGITAL, "invoices", limit=50)
    fresh_standin.reset(seed=7)
    second = fresh_standin.objects(NORTHWIND_DIGITAL, "invoices", limit=50)
    fresh_standin.reset(seed=8)
    other = fresh_standin.objects(NORTHWIND_DIGITAL, "invoices", limit=50)
    fresh_standin.set_clock(None)
    assert first == second
    assert [i["id"] for i in first] != [i["id"] for i in other]


def test_the_demo_user_owns_two_accounts_and_another_user_one(fresh_standin):
    accounts = {a["id"]: a for a in fresh_standin.accounts()}
    assert accounts[NORTHWIND_DIGITAL]["name"] == "Northwind Digital"
    assert accounts[NORTHWIND_LABS]["name"] == "Northwind Labs Ltd"
    assert accounts[NORTHWIND_DIGITAL]["owner"] == accounts[NORTHWIND_LABS]["owner"] == "owner@demo.test"
    assert accounts[ELSEWHERE]["owner"] != "owner@demo.test"
    assert accounts[NORTHWIND_DIGITAL]["counts"]["customers"] == 40
    assert 200 <= accounts[NORTHWIND_DIGITAL]["counts"]["invoices"] <= 1000


def test_customers_match_partly_match_or_miss_the_demo_clients(fresh_standin):
    customers = fresh_standin.objects(NORTHWIND_DIGITAL, "customers")
    emails = [c["email"] for c in customers]
    domains = {e.split("@")[1] for e in emails if e}
    assert "ops@acme-rockets.com" in emails  # exact email match
    assert emails.count("ops@acme-rockets.com") == 2  # emails are not unique
    assert {d for _, _, d in DEMO_CLIENTS} & domains  # domain matches
    assert any(d in FREE_MAIL for d in domains)  # free mail never matches by domain
    assert None in emails  # customers without email
    assert any(e and e.endswith(".graniteandpine.com") for e in emails)  # a subdomain
    assert len(domains - {d for _, _, d in DEMO_CLIENTS} - set(FREE_MAIL)) >= 5  # unrelated customers


def test_each_customer_says_in_its_metadata_which_demo_client_it_really_belongs_to(fresh_standin):
    customers = fresh_standin.objects(NORTHWIND_DIGITAL, "customers", limit=100)
    belongs = {c["name"]: c["metadata"].get("standin_client") for c in customers}
    assert {name for name in belongs.values() if name} == {name for name, _, _ in DEMO_CLIENTS}
    assert belongs["Acme Rockets (EU)"] == "Acme Rockets" and belongs["Driftwood Surf"] == "Driftwood Surf Co"
    assert belongs["Harbour Fitness Club"] is None  # a near miss is another business
    assert all(
        isinstance(v, str) and len(v) <= 500 for c in customers for v in c["metadata"].values()
    )  # Stripe's limit


def test_the_invoices_cover_every_status_overdue_and_long_invoices(fresh_standin):
    now = int(time.time())
    invoices = fresh_standin.objects(NORTHWIND_DIGITAL, "invoices", limit=100000)
    statuses = {i["status"] for i in invoices}
    assert statuses >= {"paid", "open", "void", "uncollectible"}
    assert any(i["status"] == "open" and i["due_date"] and i["due_date"] < now for i in invoices)  # sent, past due
    assert any(
        i["status"] == "open" and i["attempt_count"] and i["collection_method"] == "charge_automatically"
        for i in invoices
    )  # a card payment failed
    assert any(i["lines"]["has_more"] for i in invoices)
    assert {i["currency"] for i in invoices} >= {"usd", "eur", "gbp"}
    assert min(i["created"] for i in invoices) < now - 22 * 30 * 86400
    charges = fresh_standin.objects(NORTHWIND_DIGITAL, "charges", limit=100000)
    refunded = [c for c in charges if c["amount_refunded"]]
    assert any(c["refunded"] for c in refunded) and any(not c["refunded"] for c in refunded)


def test_it_scales_to_a_hundred_thousand_invoices():
    # How long this takes is measured in make bench (benchmarks/test_bench_stripe_sync.py), not here.
    info = seed_store(Store(), 1, 100_000)
    assert info["accounts"][NORTHWIND_DIGITAL]["invoices"] >= 100_000


def test_the_seed_command_prints_a_summary():
    out = subprocess.run(
        [sys.executable, "-m", "stripe_standin", "seed", "--seed", "3", "--scale", "small"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert '"acct_1NorthwindDigital"' in out.stdout and '"customers": 10' in out.stdout


def test_subscriptions_have_agency_histories_upgrades_churn_reactivation_trials_and_discounts(fresh_standin):
    subs = fresh_standin.objects(NORTHWIND_DIGITAL, "subscriptions", limit=100000)
    invoices = fresh_standin.objects(NORTHWIND_DIGITAL, "invoices", limit=100000)
    cycles = {
        (item["price"]["recurring"]["interval"], item["price"]["recurring"]["interval_count"])
        for sub in subs
        for item in sub["items"]["data"]
    }
    assert cycles >= {("month", 1), ("month", 3), ("year", 1)}, "monthly, quarterly and annual retainers"

    prices_per_sub: dict[str, set[str]] = {}
    for invoice in invoices:
        subscription = (invoice.get("parent") or {}).get("subscription_details", {}).get("subscription") or invoice.get(
            "subscription"
        )
        for line in invoice["lines"]["data"]:
            price = line.get("price") or (line.get("pricing") or {}).get("price_details", {}).get("price")
            if subscription and price:
                prices_per_sub.setdefault(subscription, set()).add(price["id"] if isinstance(price, dict) else price)
    assert any(len(prices) > 1 for prices in prices_per_sub.values()), "some plan changed over time (up or down)"

    by_customer: dict[str, list[dict]] = {}
    for sub in subs:
        by_customer.setdefault(sub["customer"], []).append(sub)
    reactivated = [
        c
        for c, own in by_customer.items()
        if any(s["status"] == "canceled" and any(o["created"] > (s["ended_at"] or 0) for o in own) for s in own)
    ]
    assert reactivated, "a customer who churned and came back"
    assert any(s["status"] == "canceled" for s in subs) and any(s["trial_end"] for s in subs)
    assert any(s["discounts"] for s in subs) and any(s["cancel_at_period_end"] for s in subs)
    assert {s["currency"] for s in subs} >= {"usd", "eur", "gbp"}
