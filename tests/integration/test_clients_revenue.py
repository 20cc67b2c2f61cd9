"""The clients page with Stripe facts: revenue, MRR, last invoice, overdue badge, sort and filter; detail invoices."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import time_machine

from app.clients.tables import Client
from app.core.timeutil import utcnow
from app.integrations.tables import StripeConnection
from app.stripe_data.matching import rematch
from app.stripe_data.tables import CustomerMatch, StripeInvoice, StripeSubscription
from app.workspaces.services import set_plan
from app.workspaces.tables import Workspace
from tests import factories as f
from tests.conftest import login, post_form


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
    stripe_object = {
        "status": "active",
        "items": {"data": [{"quantity": 2, "price": {"unit_amount": 25_000, "recurring": {"interval": "month"}}}]},
    }
    await StripeSubscription.update({StripeSubscription.stripe_object: json.dumps(stripe_object)}).where(
        StripeSubscription.id == sub.id
    )
    await rematch(ws, f.ACCOUNT)
    return late, big


async def test_the_list_shows_revenue_mrr_last_invoice_and_an_overdue_badge_linking_to_the_client(client, alice):
    late, _big = await _agency(alice)
    await login(client, alice)
    page = await client.get("/dashboard/clients")
    assert "$800.00" in page.text and "$500.00" in page.text  # Big: $1,000 paid − $200 refunded; MRR 2 × $250
    assert page.text.count('data-testid="overdue-badge"') == 1
    assert f'href="/dashboard/clients/{late.id}#invoices" data-testid="overdue-badge"' in page.text
    assert "Invoice 12 days overdue" in page.text


async def test_sort_by_revenue_follows_net_revenue_not_names_and_moves_when_a_refund_lands(client, alice):
    ws = alice.workspace.id
    await set_plan(ws, "pro")
    # Created so that neither name order (Alpha, bravo, charlie, delta) nor newest first gives the revenue order.
    paid = {}
    for name, amount, refunded in (
        ("bravo", 120_000, 30_000),
        ("delta", 0, 0),
        ("charlie", 50_000, 0),
        ("Alpha", 10_000, 0),
    ):
        await f.client(ws, name, emails=(f"ap@{name.lower()}.test",))
        if amount:
            customer = await f.customer(ws, email=f"ap@{name.lower()}.test")
            paid[name] = await f.charge(customer, amount=amount, refunded=refunded)
    await rematch(ws, f.ACCOUNT)
    await login(client, alice)
    # Net revenue: bravo $900, charlie $500, Alpha $100; delta has no Stripe data, so it comes last.
    assert _names(await client.get("/dashboard/clients", params={"sort": "revenue"})) == [
        "bravo",
        "charlie",
        "Alpha",
        "delta",
    ]
    await f.refund(paid["bravo"], 85_000)  # the refund object, before the synced charge shows it: bravo nets $350
    assert _names(await client.get("/dashboard/clients", params={"sort": "revenue"})) == [
        "charlie",
        "bravo",
        "Alpha",
        "delta",
    ]
    assert _names(await client.get("/dashboard/clients", params={"sort": "name"})) == [
        "Alpha",
        "bravo",
        "charlie",
        "delta",
    ]


async def test_sort_by_last_invoice_and_overdue_and_filter_overdue(client, alice):
    await _agency(alice)
    quiet = await f.client(alice.workspace.id, "Aardvark Quiet", emails=("ap@aardvark.test",))
    old = await f.customer(alice.workspace.id, email="ap@aardvark.test")
    await f.invoice(old, created=utcnow() - timedelta(days=200))
    await rematch(alice.workspace.id, f.ACCOUNT)
    await login(client, alice)
    assert _names(await client.get("/dashboard/clients", params={"sort": "last_invoice"})) == [
        "Big Spender",
        "Late Co",
        quiet.name,
        "No Stripe",
    ]
    assert _names(await client.get("/dashboard/clients", params={"sort": "overdue"}))[0] == "Late Co"
    fragment = await client.get("/dashboard/clients", params={"only": "overdue"}, headers={"HX-Request": "true"})
    assert _names(fragment) == ["Late Co"] and "<html" not in fragment.text
    assert _names(await client.get("/dashboard/clients", params={"only": "revenue", "sort": "name"})) == [
        "Big Spender",
        "Late Co",
    ]


async def test_the_detail_page_lists_invoices_with_links_into_stripes_dashboard(client, alice):
    late, _ = await _agency(alice)
    await StripeConnection.insert(
        StripeConnection(
            workspace=alice.workspace.id, stripe_account_id=f.ACCOUNT, livemode=False, connected_at=utcnow()
        )
    )
    await login(client, alice)
    page = await client.get(f"/dashboard/clients/{late.id}")
    assert page.text.count('data-testid="invoice-row"') == 2 and "LATE-1" in page.text and "Void" in page.text
    assert f"https://dashboard.stripe.com/{f.ACCOUNT}/test/invoices/in_" in page.text
    assert "Invoice 12 days overdue" in page.text and "$50.00" in page.text


async def test_a_new_edited_or_imported_client_claims_its_stripe_customers_at_once(client, alice):
    await set_plan(alice.workspace.id, "pro")
    cust = await f.customer(alice.workspace.id, email="ops@fresh.io")
    later = await f.customer(alice.workspace.id, email="ap@bulk.io")
    await login(client, alice)
    await post_form(client, "/dashboard/clients", {"name": "Fresh", "domains": "fresh.io"})
    created = await Client.objects().where(Client.name == "Fresh").first()
    row = await CustomerMatch.objects().where(CustomerMatch.customer_id == cust.stripe_id).first()
    assert (row.client, row.method) == (created.id, "domain")
    await post_form(client, f"/dashboard/clients/{created.id}", {"name": "Fresh", "emails": "ops@fresh.io"})
    row = await CustomerMatch.objects().where(CustomerMatch.customer_id == cust.stripe_id).first()
    assert (row.client, row.reason) == (created.id, "email ops@fresh.io")
    await post_form(client, "/dashboard/clients/import/confirm", {"csv_text": "name,emails\nBulk,ap@bulk.io\n"})
    imported = await Client.objects().where(Client.name == "Bulk").first()
    row = await CustomerMatch.objects().where(CustomerMatch.customer_id == later.stripe_id).first()
    assert (row.client, row.reason) == (imported.id, "email ap@bulk.io")


async def test_the_workspace_time_zone_decides_the_day_count(client, alice):
    # 01:00 on 11 March in Kiritimati (UTC+14) while UTC is still on 10 March; due 23:00 on 26 February there,
    # 09:00 on 26 February in UTC. Kiritimati counts 13 days, UTC 12: only the zone-aware count gives 13.
    now, due = datetime(2026, 3, 10, 11, 0, tzinfo=UTC), datetime(2026, 2, 26, 9, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=True):
        await _agency(alice)
        await StripeInvoice.update({StripeInvoice.due_date: due}).where(StripeInvoice.number == "LATE-1")
        await login(client, alice)
        in_utc = await client.get("/dashboard/clients")
        await Workspace.update({Workspace.timezone: "Pacific/Kiritimati"}).where(Workspace.id == alice.workspace.id)
        in_kiritimati = await client.get("/dashboard/clients")
    assert "Invoice 12 days overdue" in in_utc.text
    assert "Invoice 13 days overdue" in in_kiritimati.text and "Invoice 12 days overdue" not in in_kiritimati.text
