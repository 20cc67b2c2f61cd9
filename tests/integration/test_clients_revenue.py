"""The clients page with Stripe facts: revenue, MRR, last invoice, overdue badge, sort and filter; detail invoices."""

from __future__ import annotations

import json
from datetime import timedelta

from app.clients.services import ClientInput, create_client, update_client
from app.core.timeutil import utcnow
from app.integrations.tables import StripeConnection
from app.stripe_data.tables import CustomerMatch, StripeSubscription
from app.workspaces.services import set_plan
from tests import factories as f
from tests.conftest import login


def _names(response) -> list[str]:
    return [chunk.split("</a>", 1)[0] for chunk in response.text.split('data-testid="client-name">')[1:]]


async def _agency(alice):
    ws = alice.workspace.id
    await set_plan(ws, "pro")
    now = utcnow()
    late = await f.client(ws, "Late Co", emails=("ap@late.co",))
    big = await f.client(ws, "Big Spender", domains=("big.io",))
    await f.client(ws, "No Stripe")
    late_cust = await f.customer(ws, email="ap@late.co")
    big_cust = await f.customer(ws, email="cfo@big.io")
    await f.charge(late_cust, amount=5_000)
    await f.invoice(late_cust, status="open", total=5_000, due_date=now - timedelta(days=12), number="LATE-1")
    await f.invoice(late_cust, status="void", total=9_999, due_date=now - timedelta(days=60))
    await f.charge(big_cust, amount=100_000, refunded=20_000)
    await f.invoice(big_cust, status="paid", total=100_000, created=now - timedelta(days=3), number="BIG-1")
    sub = await f.subscription(big_cust)
    raw = {"status": "active", "items": {"data": [{"quantity": 2, "price": {"unit_amount": 25_000,
                                                                             "recurring": {"interval": "month"}}}]}}
    await StripeSubscription.update({StripeSubscription.raw: json.dumps(raw)}).where(StripeSubscription.id == sub.id)
    from app.stripe_data.matching import rematch
    await rematch(ws, f.ACCOUNT)
    return late, big


async def test_the_list_shows_revenue_mrr_last_invoice_and_an_overdue_badge_linking_to_the_client(client, alice):
    late, big = await _agency(alice)
    await login(client, alice)
    page = await client.get("/dashboard/clients")
    assert "$800.00" in page.text and "$500.00" in page.text  # Big: $1,000 paid − $200 refunded; MRR 2 × $250
    assert page.text.count('data-testid="overdue-badge"') == 1
    assert f'href="/dashboard/clients/{late.id}#invoices" data-testid="overdue-badge"' in page.text
    assert "Invoice 12 days overdue" in page.text


async def test_sort_by_revenue_last_invoice_and_overdue_and_filter_overdue(client, alice):
    await _agency(alice)
    await login(client, alice)
    assert _names(await client.get("/dashboard/clients", params={"sort": "revenue"})) == ["Big Spender", "Late Co", "No Stripe"]
    assert _names(await client.get("/dashboard/clients", params={"sort": "overdue"}))[0] == "Late Co"
    assert _names(await client.get("/dashboard/clients", params={"sort": "last_invoice"}))[0] == "Big Spender"
    fragment = await client.get("/dashboard/clients", params={"only": "overdue"}, headers={"HX-Request": "true"})
    assert _names(fragment) == ["Late Co"] and "<html" not in fragment.text
    assert _names(await client.get("/dashboard/clients", params={"only": "revenue", "sort": "name"})) == ["Big Spender", "Late Co"]


async def test_the_detail_page_lists_invoices_with_links_into_stripes_dashboard(client, alice):
    late, _ = await _agency(alice)
    await StripeConnection.insert(StripeConnection(workspace=alice.workspace.id, stripe_account_id=f.ACCOUNT,
                                                   livemode=False, connected_at=utcnow()))
    await login(client, alice)
    page = await client.get(f"/dashboard/clients/{late.id}")
    assert page.text.count('data-testid="invoice-row"') == 2 and "LATE-1" in page.text and "Void" in page.text
    assert f"https://dashboard.stripe.com/{f.ACCOUNT}/test/invoices/in_" in page.text
    assert "Invoice 12 days overdue" in page.text and "$50.00" in page.text


async def test_a_new_or_edited_client_claims_its_stripe_customers_at_once(alice):
    await set_plan(alice.workspace.id, "pro")
    cust = await f.customer(alice.workspace.id, email="ops@fresh.io")
    created = await create_client(alice.actor, ClientInput(name="Fresh", domains=["fresh.io"]))
    row = await CustomerMatch.objects().where(CustomerMatch.customer_id == cust.stripe_id).first()
    assert (row.client, row.method) == (created.id, "domain")
    await update_client(alice.actor, created.id, ClientInput(name="Fresh", emails=["ops@fresh.io"]))
    row = await CustomerMatch.objects().where(CustomerMatch.customer_id == cust.stripe_id).first()
    assert (row.client, row.reason) == (created.id, "email ops@fresh.io")


async def test_the_workspace_time_zone_decides_the_day_count(client, alice):
    from app.workspaces.tables import Workspace
    late, _ = await _agency(alice)
    await Workspace.update({Workspace.timezone: "Pacific/Kiritimati"}).where(Workspace.id == alice.workspace.id)
    await login(client, alice)
    page = await client.get("/dashboard/clients")
    # UTC+14: "today" there may be a day ahead of UTC, never behind.
    assert "Invoice 12 days overdue" in page.text or "Invoice 13 days overdue" in page.text
