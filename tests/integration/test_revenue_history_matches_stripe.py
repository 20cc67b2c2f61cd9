"""After a sync, the MRR history and invoiced revenue of every client, month by month for 24 months and now, equal an
independent reading of the stand-in's objects (tests/integration/revenue_truth.py), to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.clients.tables import Client, ClientStatus
from app.core import fx
from app.core.timeutil import utcnow
from app.revenue import rates, services
from app.revenue.movements import Kind, monthly
from app.stripe_data.tables import CustomerMatch
from app.workspaces.services import set_plan
from app.workspaces.tables import Workspace
from tests.integration import revenue_truth as truth
from tests.integration.stripe_truth import list_all
from tests.integration.sync_support import backfill, link
from tests.plugins.standin import NORTHWIND_DIGITAL

TZ = "America/Los_Angeles"
CURRENCY = "eur"  # not the account's: every amount is converted, most with a rate the operator set
EUR_FROM = "2025-09"
GBP_FROM = "2026-03"
OPERATOR_RATES = {("2025-09", "usd"): Decimal("0.95"), ("2026-03", "gbp"): Decimal("1.31")}


def _rates_for(label: str) -> dict[str, Decimal]:
    table = dict(fx.USD_PER_UNIT)
    for (since, currency), rate in sorted(OPERATOR_RATES.items()):
        if since <= label:
            table[currency] = rate
    return table


async def _assign_clients(workspace_id: int, customers: list[dict]) -> dict[str, int]:
    """customer id -> client id, from the generator's ground truth (matching is not what is measured here)."""
    now = utcnow()
    key_of = {c["id"]: (c["metadata"].get("standin_client") or c["id"]) for c in customers}
    client_ids = {}
    for name in sorted(set(key_of.values())):
        client = Client(workspace=workspace_id, name=name, created_at=now, updated_at=now)
        client.status = ClientStatus.active.value
        await client.save()
        client_ids[name] = client.id
    await CustomerMatch.delete().where(CustomerMatch.workspace == workspace_id)
    for customer_id, key in key_of.items():
        await CustomerMatch.insert(
            CustomerMatch(
                workspace=workspace_id,
                account_id=NORTHWIND_DIGITAL,
                customer_id=customer_id,
                client=client_ids[key],
                method="manual",
                updated_at=now,
            )
        )
    return {customer_id: client_ids[key] for customer_id, key in key_of.items()}


@pytest.fixture(name="synced")
async def fx_synced(alice, stripe_standin) -> int:
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await Workspace.update({Workspace.timezone: TZ, Workspace.currency: CURRENCY}).where(
        Workspace.id == alice.workspace.id
    )
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    run = await backfill(alice.workspace.id, NORTHWIND_DIGITAL)
    assert run.status == "done", run.error
    for (month, currency), rate in OPERATOR_RATES.items():
        await rates.set_rate(month, currency, rate)
    return alice.workspace.id


def _read(standin, path: str, **params) -> list[dict]:
    return list_all(standin.base_url, standin.secret_key, NORTHWIND_DIGITAL, path, **params)


async def test_the_demo_agency_s_mrr_history_and_invoiced_revenue_equal_stripe_s_objects_month_by_month(
    synced, stripe_standin
):
    customers = _read(stripe_standin, "/v1/customers")
    client_of = await _assign_clients(synced, customers)
    subscriptions = _read(
        stripe_standin, "/v1/subscriptions", status="all", **{"expand[]": "data.discounts.source.coupon"}
    )
    invoices = _read(stripe_standin, "/v1/invoices")
    charges = _read(stripe_standin, "/v1/charges")
    prices = stripe_standin.objects(NORTHWIND_DIGITAL, "prices", limit=100_000)
    now = utcnow()
    ends = truth.month_ends(now, TZ)

    history = await services.mrr_history(synced, now)
    assert [(p.label, p.at) for p in history.points] == ends
    expected = truth.mrr_history(subscriptions, invoices, prices, client_of, ends, CURRENCY, _rates_for)
    assert history.currency == CURRENCY and not history.unconverted
    for index, (label, _) in enumerate(ends):
        got = {client: values[index] for client, values in history.clients.items() if values[index]}
        want = {client: values[index] for client, values in expected.items() if values[index]}
        assert got == want, f"MRR per client at the end of {label}"

    invoiced = await services.invoiced_revenue(synced, now)
    expected_invoiced = truth.invoiced_revenue(invoices, charges, client_of, ends, TZ, CURRENCY, _rates_for)
    for index, (label, _) in enumerate(ends):
        got = {client: values[index] for client, values in invoiced.clients.items() if values[index]}
        want = {client: values[index] for client, values in expected_invoiced.items() if values[index]}
        assert got == want, f"invoiced revenue per client in {label}"

    # What the comparison covered: several currencies, every kind of coupon, trials, quarterly, annual and weekly
    # plans, metered usage, upgrades or downgrades, churn and reactivation; without them it would prove little.
    items = [item for s in subscriptions for item in s["items"]["data"]]
    assert len({s["currency"] for s in subscriptions}) >= 3
    intervals = {(i["price"]["recurring"]["interval"], i["price"]["recurring"]["interval_count"]) for i in items}
    assert {("month", 1), ("month", 3), ("year", 1), ("week", 1)} <= intervals
    assert any(i["price"]["recurring"]["usage_type"] == "metered" for i in items)
    assert any(s["trial_end"] for s in subscriptions)
    coupons = {
        (d["source"]["coupon"]["duration"], d["source"]["coupon"]["percent_off"] is None)
        for s in subscriptions
        for d in s["discounts"]
    }
    assert {(duration, off) for duration in ("once", "repeating", "forever") for off in (True, False)} <= coupons
    billed_prices: dict[str, set[str]] = {}
    for invoice in invoices:
        for line in invoice["lines"]["data"]:
            if line["parent"]["type"] == "subscription_item_details" and line["quantity"] and line["amount"]:
                billed_prices.setdefault(line["parent"]["subscription_item_details"]["subscription_item"], set()).add(
                    line["pricing"]["price_details"]["price"]
                )
    assert any(len(prices) > 1 for prices in billed_prices.values()), "an item changed price: an upgrade or downgrade"
    kinds = {m.kind for month in monthly(history.labels, history.clients) for m in month.movements}
    assert kinds == set(Kind), kinds
