"""PROVISIONAL (the ingest branch replaces this): one batch of fetched pages written in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.stripe_data import matching, partials, upserts


@dataclass
class Batch:
    objects: list[dict] = field(default_factory=list)
    lines: dict[str, partials.LinesRead] = field(default_factory=dict)
    listed_subscriptions: list[str] = field(default_factory=list)


async def write(workspace_id: int, account_id: str, batch: Batch, index: matching.ClientIndex) -> int:
    by_kind: dict[str, list[dict]] = {}
    for obj in batch.objects:
        by_kind.setdefault(obj["object"], []).append(obj)
    for objects in by_kind.values():
        await upserts.upsert_objects(workspace_id, account_id, objects)
    for invoice_id, read in batch.lines.items():
        await partials.store_lines(workspace_id, account_id, invoice_id, read)
    await partials.clear_many(workspace_id, account_id, "subscription", batch.listed_subscriptions)
    await matching.rematch(workspace_id, account_id)
    return len(batch.objects)
