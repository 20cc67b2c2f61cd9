"""Invoiced revenue counts an invoice paid a fraction of a second before "now" in this month, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

from app.revenue import services
from app.stripe_data.matching import rematch
from app.stripe_data.tables import StripeInvoice
from tests import factories as f


async def test_an_invoice_paid_earlier_in_the_same_second_as_now_counts_this_month(alice):
    ws = alice.workspace.id
    await f.client(ws, "Quick Payer", emails=("ap@quick.io",))
    customer = await f.customer(ws, email="ap@quick.io")
    invoice = await f.invoice(customer, status="paid", total=42_000)
    # Paid at .6 of a second, asked about at .9 of the same second: PostgreSQL's CAST rounded the former up.
    paid_at = datetime(2026, 11, 30, 7, 50, 24, 600_000, tzinfo=UTC)
    await StripeInvoice.update({StripeInvoice.paid_at: paid_at}).where(StripeInvoice.id == invoice.id)
    await rematch(ws, f.ACCOUNT)

    series = await services.invoiced_revenue(ws, now=paid_at.replace(microsecond=900_000))

    assert series.total[-1] == 42_000
