"""The sync engine's one call to write what it fetched: a batch of pages, upserted and matched in one go."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.stripe_data import matching, partials, upserts

# Customers first, so a batch's invoices find their customers when the batch is matched.
KIND_ORDER = ("customer", "subscription", "invoice", "charge", "refund")


@dataclass
class Batch:
    objects: list[dict] = field(default_factory=list)
    lines: dict[str, partials.LinesRead] = field(default_factory=dict)
    listed_subscriptions: list[str] = field(default_factory=list)


async def write(workspace_id: int, account_id: str, batch: Batch, index: matching.ClientIndex) -> int:
    by_kind: dict[str, list[dict]] = {}
    for obj in batch.objects:
        by_kind.setdefault(obj.get("object"), []).append(obj)
    written = 0
    for kind in KIND_ORDER:
        written += await upserts.upsert_objects(workspace_id, account_id, by_kind.get(kind, []))
    for invoice_id, read in batch.lines.items():
        await partials.store_lines(workspace_id, account_id, invoice_id, read)
    await partials.clear_many(workspace_id, account_id, "subscription", batch.listed_subscriptions)
    await matching.rematch(workspace_id, account_id)
    return written
