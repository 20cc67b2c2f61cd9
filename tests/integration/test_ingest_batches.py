"""The sync's writer call, `ingest.write`: batches of any mix of kinds, idempotent, with lines, partial marks and
matching of only what a batch touched, which must agree with a full rematch."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.clients.tables import Client
from app.core.timeutil import utcnow
from app.integrations.tables import StripeConnection
from app.stripe_data import events, ingest, matching, partials
from app.stripe_data.purge import PULLED_TABLES
from app.stripe_data.tables import (
    CustomerMatch,
    StripeCharge,
    StripeCustomer,
    StripeInvoice,
    StripeInvoiceLine,
    StripePartialObject,
    StripeRefund,
    StripeSubscription,
)
from tests import factories as f

ACCOUNT = "acct_1IngestBatches"
CREATED = 1_700_000_000
TABLES = (StripeCustomer, StripeSubscription, StripeInvoice, StripeInvoiceLine, StripeCharge, StripeRefund)


def customer(n: int, email: str = "") -> dict:
    return {"id": f"cus_{n}", "object": "customer", "email": email, "name": f"Customer {n}", "created": CREATED}


def line(invoice: str, n: int) -> dict:
    return {
        "id": f"il_{invoice}_{n}",
        "object": "line_item",
        "amount": 500,
        "currency": "usd",
        "quantity": 1,
        "period": {"start": CREATED, "end": CREATED + 86_400},
        "pricing": {"price_details": {"price": "price_1"}},
    }


def invoice(n: int, customer_id: str, email: str = "", lines: int = 2, more: bool = False) -> dict:
    return {
        "id": f"in_{n}",
        "object": "invoice",
        "customer": customer_id,
        "customer_email": email,
        "status": "paid",
        "currency": "usd",
        "total": 500 * lines,
        "amount_paid": 500 * lines,
        "created": CREATED + n,
        "lines": {"data": [line(f"in_{n}", k) for k in range(lines)], "has_more": more},
    }


def refund(n: int, charge: str, amount: int = 300) -> dict:
    return {"id": f"re_{n}", "object": "refund", "charge": charge, "amount": amount, "status": "succeeded"}


def charge(n: int, customer_id: str, refunds: list[dict]) -> dict:
    return {
        "id": f"ch_{n}",
        "object": "charge",
        "customer": customer_id,
        "amount": 1000,
        "amount_refunded": sum(r["amount"] for r in refunds),
        "status": "succeeded",
        "paid": True,
        "created": CREATED + n,
        "refunds": {"data": refunds, "has_more": False},
    }


def subscription(n: int, customer_id: str) -> dict:
    items = {"data": [{"current_period_start": CREATED, "current_period_end": CREATED + 86_400 * 30}]}
    return {"id": f"sub_{n}", "object": "subscription", "customer": customer_id, "status": "active", "items": items}


@pytest.fixture(name="ws")
async def fx_ws(alice) -> int:
    # A live connection row is all `events.writing` needs: nothing here talks to Stripe.
    await StripeConnection(
        workspace=alice.workspace.id,
        stripe_account_id=ACCOUNT,
        account_name=ACCOUNT,
        status="connected",
        connected_at=utcnow(),
    ).save()
    return alice.workspace.id


async def write(ws: int, batch: ingest.Batch) -> int:
    index = await matching.load_client_index(ws)
    async with events.writing(ws, ACCOUNT):
        return await ingest.write(ws, ACCOUNT, batch, index)


async def counts(ws: int) -> dict[str, int]:
    return {t._meta.tablename: await t.count().where(t.workspace == ws) for t in (*TABLES, CustomerMatch)}


def mixed_batch() -> ingest.Batch:
    listed = refund(1, "ch_1")
    return ingest.Batch(
        objects=[
            invoice(1, "cus_1", lines=10, more=True),
            customer(1, "ops@acme.example"),
            charge(1, "cus_1", [listed]),
            listed,  # also listed on its own, in the same batch
            subscription(1, "cus_1"),
            invoice(2, "cus_2", email="billing@beta.example"),
            customer(2),
        ],
        lines={"in_1": partials.LinesRead(lines=[line("in_1", k) for k in range(10, 13)])},
        listed_subscriptions=["sub_1"],
    )


async def test_writing_the_same_batch_twice_leaves_the_same_rows(ws):
    assert await write(ws, mixed_batch()) == 7
    first = await counts(ws)
    assert await write(ws, mixed_batch()) == 7
    assert await counts(ws) == first
    assert first == {
        "stripe_customer": 2,
        "stripe_subscription": 1,
        "stripe_invoice": 2,
        "stripe_invoice_line": 15,
        "stripe_charge": 1,
        "stripe_refund": 1,
        "customer_match": 2,
    }


async def test_a_batch_mixing_kinds_puts_each_object_in_its_table_with_its_fields(ws):
    await f.client(ws, "Acme", emails=("ops@acme.example",))
    await f.client(ws, "Beta", domains=("beta.example",))
    await write(ws, mixed_batch())
    first = await StripeInvoice.objects().where(StripeInvoice.stripe_id == "in_1").first()
    assert (first.total, first.customer_id, first.lines_complete) == (5000, "cus_1", True)
    assert await StripeInvoiceLine.count().where(StripeInvoiceLine.invoice_id == "in_1") == 13
    assert (await StripeRefund.objects().first()).charge_id == "ch_1"
    assert (await StripeCharge.objects().first()).amount_refunded == 300
    matches = {m.customer_id: m.method for m in await CustomerMatch.objects().where(CustomerMatch.workspace == ws)}
    # cus_2 has no email of its own: its invoice's customer_email is the evidence.
    assert matches == {"cus_1": "email", "cus_2": "domain"}


async def test_extra_lines_complete_their_invoice_in_a_later_batch_and_a_refusal_marks_it_partial(ws):
    await write(ws, ingest.Batch(objects=[invoice(1, "cus_1", more=True), invoice(2, "cus_1", more=True)]))
    refused = partials.Refusal(404, "resource_missing", "No such invoice.")
    await write(
        ws,
        ingest.Batch(
            lines={
                "in_1": partials.LinesRead(lines=[line("in_1", 10)]),
                "in_2": partials.LinesRead(refusal=refused),
            }
        ),
    )
    complete = {
        r.stripe_id: r.lines_complete for r in await StripeInvoice.objects().where(StripeInvoice.workspace == ws)
    }
    assert complete == {"in_1": True, "in_2": False}
    marks = await StripePartialObject.objects().where(StripePartialObject.workspace == ws)
    assert [(m.stripe_id, m.what, m.status_code) for m in marks] == [("in_2", "lines", 404)]

    await write(ws, ingest.Batch(lines={"in_2": partials.LinesRead(lines=[line("in_2", 10)])}))
    assert await StripePartialObject.count().where(StripePartialObject.workspace == ws) == 0
    assert await StripeInvoiceLine.count().where(StripeInvoiceLine.invoice_id == "in_2") == 3


async def test_listed_subscriptions_clear_their_discount_marks(ws):
    refused = partials.Refusal(400, "invalid_request_error", "Nope.")
    async with events.writing(ws, ACCOUNT):
        await partials.record(ws, ACCOUNT, "subscription", "sub_1", "discounts", refused)
    await write(ws, ingest.Batch(objects=[subscription(1, "cus_1")], listed_subscriptions=["sub_1"]))
    assert await StripePartialObject.count().where(StripePartialObject.workspace == ws) == 0


EMAILS = ["a@acme.example", "b@acme.example", "c@beta.example", "d@gmail.com", ""]


@st.composite
def account_in_batches(draw):
    """Customers and invoices with emails from a small pool, in any order, cut into batches."""
    customers = [customer(n, draw(st.sampled_from(EMAILS))) for n in range(draw(st.integers(1, 6)))]
    invoices = [
        invoice(n, f"cus_{draw(st.integers(0, 6))}", email=draw(st.sampled_from(EMAILS)), lines=1)
        for n in range(draw(st.integers(0, 8)))
    ]
    objects = draw(st.permutations(customers + invoices))
    cuts = sorted(draw(st.lists(st.integers(0, len(objects)), max_size=4)))
    bounds = [0, *cuts, len(objects)]
    return [objects[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=account_in_batches())
async def test_matching_batch_by_batch_agrees_with_a_full_rematch(ws, batches):
    for table in PULLED_TABLES.values():
        await table.delete().where(table.workspace == ws)
    if not await Client.count().where(Client.workspace == ws):
        await f.client(ws, "Acme", emails=("a@acme.example",), domains=("acme.example",))
        await f.client(ws, "Beta", domains=("beta.example",))
        await f.client(ws, "Gmail Person", emails=("d@gmail.com",))
    for objects in batches:
        await write(ws, ingest.Batch(objects=objects))
    full = await matching.rematch(ws, ACCOUNT)
    assert full.changed == 0
    assert await CustomerMatch.count().where(CustomerMatch.workspace == ws) == full.customers
