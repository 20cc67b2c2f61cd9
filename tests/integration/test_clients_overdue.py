"""Both kinds of overdue on the clients list and the client page, from invoices upserted in the pinned API shape.

A retainer whose card failed (charge_automatically: no due_date, attempts, a next retry) and a sent invoice past its
due date; the list's badges, sort and filter, the client page's badge and help, and the back-fill of old rows.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import time_machine

from app.stripe_data.insights import client_insights
from app.stripe_data.matching import rematch
from app.stripe_data.tables import StripeInvoice
from app.stripe_data.upserts import upsert_objects
from app.workspaces.services import set_plan
from tests import factories as f
from tests.conftest import login

NOW = datetime(2026, 5, 20, 15, 0, tzinfo=UTC)
BACKFILL = "app.stripe_data.piccolo_migrations.stripe_data_2026_11_29t18_35_00_999999"
# A later migration renamed the JSON column the back-fill reads (`raw`, now `stripe_object`).
RENAME = "app.stripe_data.piccolo_migrations.stripe_data_2026_11_29t21_30_00_000000"


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def stripe_invoice(
    customer_id: str,
    *,
    collection_method: str,
    created: datetime,
    total: int = 30_000,
    status: str = "open",
    attempt_count: int = 0,
    next_payment_attempt: datetime | None = None,
    due_date: datetime | None = None,
) -> dict:
    """The fields of an invoice as the pinned version (2026-10-28.endive) sends them; the rest are irrelevant here."""
    finalized = created + timedelta(hours=1)
    return {
        "id": f"in_{customer_id}_{_unix(created)}",
        "object": "invoice",
        "customer": customer_id,
        "collection_method": collection_method,
        "status": status,
        "currency": "usd",
        "created": _unix(created),
        "total": total,
        "amount_due": total,
        "amount_paid": 0,
        "amount_remaining": total,
        "attempt_count": attempt_count,
        "attempted": attempt_count > 0,
        "next_payment_attempt": _unix(next_payment_attempt) if next_payment_attempt else None,
        "due_date": _unix(due_date) if due_date else None,
        "number": f"INV-{_unix(created)}",
        "status_transitions": {
            "finalized_at": _unix(finalized),
            "paid_at": None,
            "voided_at": None,
            "marked_uncollectible_at": None,
        },
        "lines": {"object": "list", "data": [], "has_more": False},
    }


async def _agency(alice) -> dict[str, object]:
    """Retainer Co's card failed 6 days ago (retry on 22 May); Late Co's sent invoice is 12 days past due; Fresh Co's
    card failed this morning; Calm Co has an open invoice Stripe has not tried to charge yet."""
    ws = alice.workspace.id
    await set_plan(ws, "pro")
    clients, invoices = {}, []
    for name, invoice in (
        (
            "Retainer Co",
            {
                "collection_method": "charge_automatically",
                "created": NOW - timedelta(days=6, hours=2),
                "attempt_count": 2,
                "next_payment_attempt": NOW + timedelta(days=2),
            },
        ),
        (
            "Late Co",
            {
                "collection_method": "send_invoice",
                "created": NOW - timedelta(days=42),
                "total": 5_000,
                "due_date": NOW - timedelta(days=12),
            },
        ),
        (
            "Fresh Co",
            {"collection_method": "charge_automatically", "created": NOW - timedelta(hours=6), "attempt_count": 1},
        ),
        ("Calm Co", {"collection_method": "charge_automatically", "created": NOW - timedelta(hours=2)}),
    ):
        email = f"ap@{name.split()[0].lower()}.co"
        clients[name] = await f.client(ws, name, emails=(email,))
        customer = await f.customer(ws, email=email)
        invoices.append(stripe_invoice(customer.stripe_id, **invoice))
    await upsert_objects(ws, f.ACCOUNT, invoices)
    await rematch(ws, f.ACCOUNT)
    return clients


def _names(response) -> list[str]:
    return [chunk.split("</a>", 1)[0] for chunk in response.text.split('data-testid="client-name">')[1:]]


async def test_an_upserted_automatic_invoice_keeps_what_the_overdue_rules_need(alice):
    with time_machine.travel(NOW, tick=True):
        await _agency(alice)
    row = await StripeInvoice.objects().where(StripeInvoice.attempt_count == 2).first()
    assert (row.collection_method, row.due_date, row.next_payment_attempt, row.finalized_at) == (
        "charge_automatically",
        None,
        NOW + timedelta(days=2),
        (NOW - timedelta(days=6, hours=1)).replace(microsecond=0),
    )


async def test_the_list_shows_a_failed_payment_and_a_late_sent_invoice_each_in_its_own_words(client, alice):
    with time_machine.travel(NOW, tick=True):
        clients = await _agency(alice)
        await login(client, alice)
        page = await client.get("/dashboard/clients")
    assert page.text.count('data-testid="overdue-badge"') == 3
    assert "Payment failed 6 days ago, retrying on 22 May 2026</a>" in page.text
    assert "Invoice 12 days overdue</a>" in page.text
    assert "Payment failed today</a>" in page.text
    calm = page.text.split(f'id="client-{clients["Calm Co"].id}"', 1)[1].split("</tr>", 1)[0]
    assert "overdue-badge" not in calm


async def test_sort_and_filter_by_overdue_take_both_kinds_oldest_first(client, alice):
    with time_machine.travel(NOW, tick=True):
        await _agency(alice)
        await login(client, alice)
        by_overdue = await client.get("/dashboard/clients", params={"sort": "overdue"})
        only = await client.get(
            "/dashboard/clients", params={"only": "overdue", "sort": "name"}, headers={"HX-Request": "true"}
        )
    assert _names(by_overdue) == ["Late Co", "Retainer Co", "Fresh Co", "Calm Co"]
    assert _names(only) == ["Fresh Co", "Late Co", "Retainer Co"]


async def test_the_client_page_shows_the_badge_totals_and_how_overdue_is_decided(client, alice):
    with time_machine.travel(NOW, tick=True):
        clients = await _agency(alice)
        await login(client, alice)
        page = await client.get(f"/dashboard/clients/{clients['Retainer Co'].id}")
    assert 'data-testid="overdue-badge">Payment failed 6 days ago, retrying on 22 May 2026</span>' in page.text
    assert "1 invoice, $300.00" in page.text
    assert 'href="#overdue-help"' in page.text and 'id="overdue-help"' in page.text
    assert "How ClientPulse decides overdue" in page.text and "as soon as a payment attempt failed" in page.text


async def test_invoices_synced_before_the_overdue_columns_get_them_from_their_raw_json(alice):
    with time_machine.travel(NOW, tick=True):
        clients = await _agency(alice)
    # As the rows were before the migration: the new columns at their defaults, the object in `raw`.
    rename = await importlib.import_module(RENAME).forwards()
    await StripeInvoice.update(
        {
            StripeInvoice.collection_method: "charge_automatically",
            StripeInvoice.attempt_count: 0,
            StripeInvoice.next_payment_attempt: None,
            StripeInvoice.finalized_at: None,
        },
        force=True,
    )
    await rename.run(backwards=True)
    try:
        await importlib.import_module(BACKFILL).backfill()
    finally:
        await rename.run()
    rows = {r.attempt_count: r for r in await StripeInvoice.objects()}
    assert rows[2].next_payment_attempt == NOW + timedelta(days=2)
    assert rows[2].finalized_at == (NOW - timedelta(days=6, hours=1)).replace(microsecond=0)
    sent = await StripeInvoice.objects().where(StripeInvoice.collection_method == "send_invoice")
    assert len(sent) == 1 and sent[0].attempt_count == 0 and sent[0].next_payment_attempt is None
    got = await client_insights(alice.workspace.id, "UTC", "usd", now=NOW)
    assert got[clients["Retainer Co"].id].lateness.text == "Payment failed 6 days ago, retrying on 22 May 2026"
    assert got[clients["Late Co"].id].lateness.text == "Invoice 12 days overdue"
