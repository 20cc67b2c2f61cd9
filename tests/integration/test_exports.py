"""CSV exports: the clients table as filtered (every page), the MRR series and the movements; both roles may read."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

from app.core.csv_export import BOM
from app.core.timeutil import utcnow
from app.revenue import flags, services
from app.revenue.movements import Kind, monthly
from app.stripe_data.matching import rematch
from app.stripe_data.tables import StripeSubscription
from app.workspaces.services import set_plan
from tests import factories as f
from tests.conftest import login


def _usd(minor_units: int) -> str:
    return str(Decimal(minor_units).scaleb(-2))


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="')
    text = response.content.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text[len(BOM) :], newline="")))


async def _paying(workspace_id: int, name: str, email: str, unit_amount: int = 25_000, quantity: int = 2):
    """A client with a paid invoice and a monthly subscription of quantity × unit_amount, active for 100 days."""
    client = await f.client(workspace_id, name, emails=(email,))
    customer = await f.customer(workspace_id, email=email)
    await f.charge(customer, amount=100_000, refunded=20_000)
    await f.invoice(customer, status="paid", total=100_000)
    sub = await f.subscription(customer)
    item = {"quantity": quantity, "price": {"unit_amount": unit_amount, "recurring": {"interval": "month"}}}
    started = int((utcnow() - timedelta(days=100)).timestamp())  # inside the history: one "new" movement
    stripe_object = {"status": "active", "start_date": started, "items": {"data": [item]}}
    await StripeSubscription.update({StripeSubscription.stripe_object: json.dumps(stripe_object)}).where(
        StripeSubscription.id == sub.id
    )
    await rematch(workspace_id, f.ACCOUNT)
    return client


async def test_the_clients_export_has_every_matching_row_not_just_the_page_with_exact_money(client, alice):
    ws = alice.workspace.id
    await set_plan(ws, "agency")
    big = await _paying(ws, "Big Spender", "cfo@big.io")
    for i in range(30):  # more than a page of 25
        await f.client(ws, f"Zeta {i:02d}")
    await login(client, alice)
    rows = _rows(await client.get("/dashboard/clients/export.csv"))
    assert len(rows) == 31
    first = rows[0]
    assert first["client_id"] == str(big.id) and first["name"] == "Big Spender"
    assert (first["currency"], first["lifetime_revenue"], first["mrr"]) == ("USD", "800.00", "500.00")
    assert first["emails"] == "cfo@big.io" and first["status"] == "active"
    assert rows[1]["lifetime_revenue"] == "" and rows[1]["mrr"] == ""  # no Stripe data: the table's "—"


async def test_the_clients_export_follows_the_lists_search_status_and_filters(client, alice):
    ws = alice.workspace.id
    await set_plan(ws, "agency")
    await _paying(ws, "Big Spender", "cfo@big.io")
    await f.client(ws, "Acme Archived", archived=True)
    await f.client(ws, "No Stripe")
    await login(client, alice)

    async def names(**params) -> list[str]:
        return [row["name"] for row in _rows(await client.get("/dashboard/clients/export.csv", params=params))]

    assert await names() == ["Big Spender", "No Stripe"]
    assert await names(status="all") == ["Acme Archived", "Big Spender", "No Stripe"]
    assert await names(status="archived") == ["Acme Archived"]
    assert await names(q="big") == ["Big Spender"]
    assert await names(only="revenue") == ["Big Spender"]
    assert await names(sort="revenue") == ["Big Spender", "No Stripe"]


async def test_the_clients_page_links_the_export_with_its_filters_and_the_definitions(client, alice):
    await f.client(alice.workspace.id, "Acme")
    await login(client, alice)
    page = await client.get("/dashboard/clients", params={"q": "acme", "status": "all", "page": 1})
    assert 'href="/dashboard/clients/export.csv?q=acme&amp;status=all"' in page.text
    assert 'href="/dashboard/help/metrics#mrr"' in page.text


async def test_a_client_name_a_spreadsheet_would_run_is_exported_as_text(client, alice):
    await f.client(alice.workspace.id, '=HYPERLINK("http://evil.test","Click")')
    await f.client(alice.workspace.id, "-2+3")
    await login(client, alice)
    names = [row["name"] for row in _rows(await client.get("/dashboard/clients/export.csv"))]
    assert sorted(names) == ["'-2+3", '\'=HYPERLINK("http://evil.test","Click")']


async def test_another_workspaces_clients_and_revenue_never_appear_in_an_export(client, alice, charlie):
    await set_plan(charlie.workspace.id, "agency")
    await _paying(charlie.workspace.id, "Charlie's secret client", "ap@charlie.co", unit_amount=99_900)
    await f.client(alice.workspace.id, "Alice's client")
    await login(client, alice)
    exported = await client.get("/dashboard/clients/export.csv", params={"status": "all", "q": "client"})
    assert [row["name"] for row in _rows(exported)] == ["Alice's client"]
    for path in ("/dashboard/revenue/mrr.csv", "/dashboard/revenue/movements.csv"):
        for row in _rows(await client.get(path)):
            assert all(value in ("", "0.00") for key, value in row.items() if key.endswith(("mrr", "revenue")))


async def test_the_mrr_export_has_each_month_with_mrr_and_invoiced_revenue_as_the_services_compute(client, alice):
    ws = alice.workspace.id
    await set_plan(ws, "agency")
    await _paying(ws, "Big Spender", "cfo@big.io")
    await login(client, alice)
    rows = _rows(await client.get("/dashboard/revenue/mrr.csv"))
    mrr, invoiced = await services.mrr_history(ws), await services.invoiced_revenue(ws)
    assert [row["month"] for row in rows] == mrr.labels and len(rows) == 25
    assert [row["mrr"] for row in rows] == [_usd(value) for value in mrr.total]
    assert [row["invoiced_revenue"] for row in rows] == [_usd(value) for value in invoiced.total]
    assert rows[-1]["mrr"] == "500.00" and rows[-1]["currency"] == "USD"
    assert rows[-1]["invoiced_revenue"] == "1000.00"  # paid this month (the refunded charge is not this invoice's)


async def test_the_movements_export_has_each_kind_and_the_rates_as_movements_computes_them(client, alice, bob):
    ws = alice.workspace.id
    await set_plan(ws, "agency")
    await _paying(ws, "Big Spender", "cfo@big.io")
    await login(client, bob)  # a teammate reads the same figures as the owner
    rows = _rows(await client.get("/dashboard/revenue/movements.csv"))
    mrr = await services.mrr_history(ws)
    months = monthly(mrr.labels, mrr.clients)
    assert [row["month"] for row in rows] == [month.label for month in months]
    for row, month in zip(rows, months, strict=True):
        assert int(row["paying_clients_at_start"]) == month.paying_at_start
        assert row["net_change"] == _usd(month.net_change)
        for kind in Kind:
            assert row[f"{kind.value}_mrr"] == _usd(month.amount(kind))
        if month.logo_churn is None:
            assert row["logo_churn_rate"] == row["revenue_churn_rate"] == row["net_revenue_retention"] == ""
        else:
            assert row["net_revenue_retention"] == f"{month.net_revenue_retention:.6f}"
    assert [row["new_mrr"] for row in rows].count("500.00") == 1
    assert rows[-1]["mrr_at_end"] == "500.00" and rows[-1]["currency"] == "USD"


async def test_the_metrics_help_page_defines_each_figure_under_a_linkable_heading(client, bob):
    await login(client, bob)
    page = await client.get("/dashboard/help/metrics")
    assert page.status_code == 200
    for anchor in (
        "mrr",
        "invoiced-revenue",
        "movement-new",
        "movement-expansion",
        "movement-contraction",
        "movement-churn",
        "movement-reactivation",
        "logo-churn-rate",
        "revenue-churn-rate",
        "net-revenue-retention",
        "quietly-cancelling",
        "upsell",
    ):
        assert f'id="{anchor}"' in page.text, anchor
    assert "last 60 days" in page.text and 'href="/dashboard/revenue/mrr.csv"' in page.text


async def test_the_metrics_help_page_says_one_month_and_one_day_in_the_singular(client, bob, monkeypatch):
    monkeypatch.setattr(flags, "UPSELL_GROWTH_MONTHS", 1)
    monkeypatch.setattr(flags, "GRACE", timedelta(days=1))
    await login(client, bob)
    text = " ".join((await client.get("/dashboard/help/metrics")).text.split())
    assert "the last 1 month, yet" in text and "more than 1 month old" in text
    assert "plus 1 day." in text and "1 days" not in text and "1 months" not in text
    assert "the last 12 months was paid on time" in text
