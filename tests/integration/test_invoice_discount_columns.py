"""Invoices keep `subtotal` and `total_excluding_tax` as columns (revenue history's discount share reads them, not
the JSON): the sync fills them from each invoice, and the migration's back-fill fills invoices stored before."""

from __future__ import annotations

import importlib
import json

from app.core.timeutil import utcnow
from app.stripe_data import upserts
from app.stripe_data.tables import StripeInvoice

BACKFILL = "app.stripe_data.piccolo_migrations.stripe_data_2026_11_30t06_10_00_999999"


def _invoice(stripe_id: str, **fields) -> dict:
    return {
        "id": stripe_id,
        "object": "invoice",
        "customer": "cus_1",
        "status": "paid",
        "created": 1_700_000_000,
    } | fields


async def test_the_sync_stores_an_invoice_s_subtotal_and_total_excluding_tax(alice):
    objects = [
        _invoice("in_discounted", subtotal=10_000, total_excluding_tax=8_000, total=9_600),
        _invoice("in_without_fields"),
    ]
    await upserts.upsert_objects(alice.workspace.id, "acct_1", objects)
    rows = {
        row["stripe_id"]: (row["subtotal"], row["total_excluding_tax"])
        for row in await StripeInvoice.select(
            StripeInvoice.stripe_id, StripeInvoice.subtotal, StripeInvoice.total_excluding_tax
        )
    }
    assert rows == {"in_discounted": (10_000, 8_000), "in_without_fields": (None, None)}


async def test_invoices_stored_before_the_columns_get_them_from_their_json(alice):
    now = utcnow()
    bodies = {
        "in_old_discounted": _invoice("in_old_discounted", subtotal=12_000, total_excluding_tax=9_000),
        "in_old_plain": _invoice("in_old_plain", subtotal=5_000, total_excluding_tax=5_000),
        "in_old_without_fields": _invoice("in_old_without_fields"),
    }
    await StripeInvoice.insert(
        *[
            StripeInvoice(
                workspace=alice.workspace.id,
                account_id="acct_1",
                stripe_id=stripe_id,
                customer_id="cus_1",
                status="paid",
                created=now,
                stripe_object=json.dumps(body),
                synced_at=now,
            )
            for stripe_id, body in bodies.items()
        ]
    )
    assert await StripeInvoice.count().where(StripeInvoice.subtotal.is_not_null()) == 0  # as before the migration
    await importlib.import_module(BACKFILL).backfill()
    rows = {
        row["stripe_id"]: (row["subtotal"], row["total_excluding_tax"])
        for row in await StripeInvoice.select(
            StripeInvoice.stripe_id, StripeInvoice.subtotal, StripeInvoice.total_excluding_tax
        )
    }
    assert rows == {
        "in_old_discounted": (12_000, 9_000),
        "in_old_plain": (5_000, 5_000),
        "in_old_without_fields": (None, None),
    }
