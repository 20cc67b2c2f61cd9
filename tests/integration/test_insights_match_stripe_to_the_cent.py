"""After a sync, every client's overdue badge, MRR and lifetime revenue equal an independent reading of Stripe's
objects (tests/integration/stripe_truth.py), to the cent, for the demo agency and for a 2,000-customer agency."""

from __future__ import annotations

import pytest

from app.clients.tables import Client, ClientStatus
from app.core import fx
from app.core.timeutil import utcnow
from app.stripe_data.insights import client_insights
from app.stripe_data.tables import CustomerMatch
from app.workspaces.services import set_plan
from tests.integration import stripe_truth as truth
from tests.integration.sync_support import backfill, link
from tests.plugins.standin import NORTHWIND_DIGITAL

TZ = "America/Los_Angeles"  # not UTC, so "today" differs from the server's for part of every day
CURRENCY = "usd"


async def _assign_clients(workspace_id: int, customers: list[dict]) -> dict[str, int]:
    """customer id -> client id, from the generator's ground truth (or one client per customer), as manual matches.

    Matching is not what is measured here: the clients are the ones the agency really has.
    """
    key_of = {c["id"]: (c["metadata"].get("standin_client") or c["id"]) for c in customers}
    now = utcnow()
    client_ids: dict[str, int] = {}
    names = sorted(set(key_of.values()))
    for start in range(0, len(names), 200):
        chunk = names[start : start + 200]
        rows = await Client.insert(
            *(
                Client(
                    workspace=workspace_id, name=name, created_at=now, updated_at=now, status=ClientStatus.active.value
                )
                for name in chunk
            )
        ).returning(Client.id, Client.name)
        client_ids.update({row["name"]: row["id"] for row in rows})
    await CustomerMatch.delete().where(CustomerMatch.workspace == workspace_id)
    matches = [
        CustomerMatch(
            workspace=workspace_id,
            account_id=NORTHWIND_DIGITAL,
            customer_id=customer_id,
            client=client_ids[key],
            method="manual",
            reason="ground truth",
            updated_at=now,
        )
        for customer_id, key in key_of.items()
    ]
    for start in range(0, len(matches), 200):
        await CustomerMatch.insert(*matches[start : start + 200])
    return {customer_id: client_ids[key] for customer_id, key in key_of.items()}


def _per_client(client_of: dict[str, int], per_customer: dict[str, dict[str, int]]) -> dict[int, int]:
    grouped: dict[int, dict[str, int]] = {}
    for customer_id, amounts in per_customer.items():
        bucket = grouped.setdefault(client_of[customer_id], {})
        for currency, amount in amounts.items():
            bucket[currency] = bucket.get(currency, 0) + amount
    out = {}
    for client_id, amounts in grouped.items():
        total, unknown = fx.total_in(amounts, CURRENCY)
        assert not unknown, f"the generator used a currency without a rate: {unknown}"
        out[client_id] = total
    return out


async def _compare(standin, workspace_id: int) -> dict[str, int]:
    run = await backfill(workspace_id, NORTHWIND_DIGITAL)
    assert run.status == "done", run.error

    def read(path, **params):
        return truth.list_all(
            standin.base_url,
            standin.secret_key,
            NORTHWIND_DIGITAL,
            path,
            **params,
        )

    customers = read("/v1/customers")
    client_of = await _assign_clients(workspace_id, customers)
    now = utcnow()
    invoices = read("/v1/invoices")
    subscriptions = read("/v1/subscriptions", **{"status": "all", "expand[]": "data.discounts.source.coupon"})
    charges = read("/v1/charges")

    late = truth.overdue(invoices, TZ, now)
    expected_mrr = _per_client(client_of, truth.mrr(subscriptions, now))
    expected_revenue = _per_client(client_of, truth.lifetime_revenue(charges))
    expected_late: dict[int, tuple[int, dict[str, int], int]] = {}
    for customer_id, entry in late.items():
        count, amounts, days = expected_late.get(client_of[customer_id], (0, {}, -1))
        for currency, amount in entry.amount.items():
            amounts[currency] = amounts.get(currency, 0) + amount
        expected_late[client_of[customer_id]] = (count + entry.count, amounts, max(days, entry.days))

    insights = await client_insights(workspace_id, TZ, CURRENCY, None, now)
    for client_id in set(client_of.values()):
        got = insights.get(client_id)
        mrr_value = got.mrr if got else 0
        revenue = got.lifetime_revenue if got else 0
        assert mrr_value == expected_mrr.get(client_id, 0), f"MRR of client {client_id}"
        assert revenue == expected_revenue.get(client_id, 0), f"lifetime revenue of client {client_id}"
        count, amounts, days = expected_late.get(client_id, (0, {}, -1))
        assert (got.overdue_count if got else 0) == count, f"overdue invoices of client {client_id}"
        if count:
            assert got.overdue, f"client {client_id} should carry an overdue badge"
            assert got.overdue_amount == fx.total_in(amounts, CURRENCY)[0], f"overdue amount of client {client_id}"
            assert got.days_overdue == days, f"days overdue of client {client_id}"
        elif got:
            assert not got.overdue, f"client {client_id} has no overdue invoice"
    kinds = {
        "failed_payment": sum(e.failed_payments for e in late.values()),
        "past_due_date": sum(e.past_due_dates for e in late.values()),
    }
    return {
        "coupons": truth.coupon_kinds_in_force(subscriptions, now),
        "customers": len(client_of),
        "clients": len(set(client_of.values())),
        "late_clients": len(expected_late),
        "mrr_clients": len(expected_mrr),
        **kinds,
    }


@pytest.fixture(name="ws")
async def fx_ws(alice, stripe_standin) -> int:
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    return alice.workspace.id


async def test_the_demo_agency_s_badges_mrr_and_revenue_equal_stripe_s_own_objects(ws, stripe_standin):
    seen = await _compare(stripe_standin, ws)
    # The demo must show both kinds of late payment, or this comparison would prove little.
    assert seen["late_clients"] >= 2 and seen["failed_payment"] >= 1 and seen["past_due_date"] >= 1, seen
    assert seen["mrr_clients"] >= 5, seen
    # ... and coupons of several kinds counting towards MRR right now, on monthly and annual prices.
    assert {(off, interval) for off, _, interval in seen["coupons"]} == {
        ("percent", "month"),
        ("percent", "year"),
        ("amount", "month"),
        ("amount", "year"),
    }, seen["coupons"]


async def test_a_2000_customer_agency_s_badges_mrr_and_revenue_equal_stripe_s_own_objects(ws, stripe_standin):
    stripe_standin.reset(seed=2026, scale="2000-customers", link=[NORTHWIND_DIGITAL])
    seen = await _compare(stripe_standin, ws)
    assert seen["customers"] == 2000, seen
    # Every kind of coupon counts on monthly and annual prices somewhere, so each MRR rule was compared.
    every_kind = {
        (off, duration, interval)
        for off in ("percent", "amount")
        for duration in ("once", "repeating", "forever")
        for interval in ("month", "year")
    }
    assert every_kind <= seen["coupons"], every_kind - seen["coupons"]
    assert seen["late_clients"] >= 20 and seen["failed_payment"] >= 10 and seen["past_due_date"] >= 10, seen
