"""The sync engine's one call to write what it fetched: a batch of pages, upserted and matched in one go.

The engine's writer hands over whatever pages landed since its last write, any mix of kinds, inside one
`events.writing` transaction. Each table then gets one upsert statement for the whole batch (see
`upserts.bulk_upsert`), and only the customers the batch could change are rematched, so the cost of a batch grows
with the batch, never with what is already stored.

An invoice's extra lines may come in the same batch as the invoice or a later one, never an earlier one: the
invoice's upsert sets `lines_complete` from its own `has_more`, and the lines' batch then marks it complete.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from piccolo.table import Table

from app.stripe_data import matching, partials, upserts
from app.stripe_data.tables import StripeCustomer, StripeInvoiceLine

# Objects per statement: small enough that building one chunk overlaps storing the last (see _Overlap).
CHUNK = 100


@dataclass
class Batch:
    objects: list[dict] = field(default_factory=list)
    """Stripe objects as decoded JSON, any mix of customer/subscription/invoice/charge/refund."""
    lines: dict[str, partials.LinesRead] = field(default_factory=dict)
    """Invoice id -> the lines Stripe did not embed in it, or Stripe's refusal to give them."""
    listed_subscriptions: list[str] = field(default_factory=list)
    """Subscriptions listed with their discounts expanded: their "discounts" partial marks are cleared."""


async def write(workspace_id: int, account_id: str, batch: Batch, index: matching.ClientIndex) -> int:
    """Upsert every object of the batch with what it embeds, store the extra lines and partial marks, and rematch
    the customers the batch touched (its customers, and the customers of its invoices, whose customer_email is
    match evidence). Called inside `events.writing(...)`; opens no transaction of its own.

    Returns:
        How many of the batch's objects were written (embedded lines and refunds not counted).
    """
    by_kind: dict[str, list[dict]] = {kind: [] for kind in upserts.KINDS}
    written = 0
    for obj in batch.objects:
        if obj.get("id") and obj.get("object") in by_kind:
            by_kind[obj["object"]].append(obj)
            written += 1
    lines, refunds = upserts.embedded(by_kind["invoice"] + by_kind["charge"])
    # Embedded first, so a refund listed in the same batch (the same object, maybe newer) is the row kept.
    by_kind["refund"] = refunds + by_kind["refund"]
    read = {invoice_id: r for invoice_id, r in batch.lines.items() if r.refusal is None}
    lines += [(invoice_id, line) for invoice_id, r in read.items() for line in r.lines or ()]
    async with _Overlap() as overlap:
        for kind, (table, _) in upserts.KINDS.items():
            for start in range(0, len(by_kind[kind]), CHUNK):
                rows = upserts.object_rows(workspace_id, account_id, by_kind[kind][start : start + CHUNK])
                if kind == "invoice":
                    for row in rows:
                        row["lines_complete"] = row["lines_complete"] or row["stripe_id"] in read
                await overlap.send(table, rows)
        for start in range(0, len(lines), CHUNK * 4):
            await overlap.send(
                StripeInvoiceLine, upserts.line_rows(workspace_id, account_id, lines[start : start + CHUNK * 4])
            )
    await _store_line_reads(workspace_id, account_id, batch.lines, {o["id"] for o in by_kind["invoice"]})
    await partials.clear_many(workspace_id, account_id, "subscription", batch.listed_subscriptions)
    touched = await _touched(workspace_id, account_id, by_kind["customer"], by_kind["invoice"])
    if touched:
        await matching.rematch(workspace_id, account_id, touched, index)
    return written


class _Overlap:
    """Builds the next statement's rows while the database runs the last one, on PostgreSQL.

    The server works in its own process, so on two CPUs encoding rows and storing them overlap (the ingest
    benchmark's PostgreSQL server spent longer on the invoices' JSON than Python spent building them). SQLite
    runs each statement in aiosqlite's thread, which gives up the GIL at every row and then waits up to the
    interpreter's switch interval to get it back while Python encodes: there, each statement runs alone.
    """

    def __init__(self) -> None:
        self.running: asyncio.Future | None = None
        self.overlap = StripeInvoiceLine._meta.db.engine_type == "postgres"

    async def send(self, table: type[Table], rows: list[dict]) -> None:
        await self.wait()
        if not self.overlap:
            await upserts.bulk_upsert(table, rows)
            return
        self.running = asyncio.ensure_future(upserts.bulk_upsert(table, rows))
        await asyncio.sleep(0)  # let it reach the server before going back to building rows

    async def wait(self) -> None:
        running, self.running = self.running, None
        if running is not None:
            await running

    async def __aenter__(self) -> _Overlap:
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        if exc is None:
            await self.wait()
        elif self.running is not None:
            self.running.cancel()
            await asyncio.gather(self.running, return_exceptions=True)


async def _touched(workspace_id: int, account_id: str, customers: list[dict], invoices: list[dict]) -> set[str]:
    """The customers whose match the batch may change: its own customers, and the customers of its invoices whose
    customer_email differs from the customer's own email (an equal one adds no evidence, which is the usual case,
    and without this check each batch of invoices rematched hundreds of customers for nothing).

    A customer not stored yet is left out: it is rematched, with its invoices' emails, in the batch that brings it.
    """
    touched = {c["id"] for c in customers}
    evidence: dict[str, set[str]] = {}
    for invoice in invoices:
        customer_id = upserts.id_of(invoice.get("customer"))
        email = (invoice.get("customer_email") or "").strip().lower()
        if email and customer_id and customer_id not in touched:
            evidence.setdefault(customer_id, set()).add(email)
    ids = sorted(evidence)
    for start in range(0, len(ids), matching.BATCH):
        rows = await StripeCustomer.select(StripeCustomer.stripe_id, StripeCustomer.email).where(
            (StripeCustomer.workspace == workspace_id)
            & (StripeCustomer.account_id == account_id)
            & StripeCustomer.stripe_id.is_in(ids[start : start + matching.BATCH])
        )
        touched.update(row["stripe_id"] for row in rows if evidence[row["stripe_id"]] != {row["email"]})
    return touched


async def _store_line_reads(
    workspace_id: int, account_id: str, reads: dict[str, partials.LinesRead], written: set[str]
) -> None:
    """What `partials.store_lines` does for one invoice, for the whole batch: lines already upserted, complete
    marks for invoices written earlier, cleared marks, and a partial mark per refusal."""
    complete = sorted(invoice_id for invoice_id, r in reads.items() if r.refusal is None)
    await upserts.mark_many_lines_complete(workspace_id, [i for i in complete if i not in written])
    await partials.clear_many(workspace_id, account_id, "invoice", complete)
    for invoice_id, r in reads.items():
        if r.refusal is not None:
            await partials.record(workspace_id, account_id, "invoice", invoice_id, "lines", r.refusal)
