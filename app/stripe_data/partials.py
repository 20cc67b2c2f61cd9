"""Objects stored without one of their sub-resources, so one bad object never stops a sync.

Stripe embeds an invoice's first 10 lines and the sync pages the rest from `/v1/invoices/{id}/lines`.
When Stripe refuses that read with a 4xx about that object alone (not a revoked account, not a rate
limit; see `budget.StripeRefused`), the invoice is stored with the lines it has (`lines_complete`
false) and marked partial here, with Stripe's answer, and the sync goes on with the rest of the account.
The periodic catch-up retries a bounded number of marks per run (`events.retry_partials`) and deletes
each mark once its read succeeds.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from app.core.timeutil import utcnow
from app.stripe_data import upserts
from app.stripe_data.budget import BudgetedReader, StripeRefused
from app.stripe_data.tables import StripePartialObject

# How many marks one catch-up retries, so a permanently broken object can't eat the account's request budget.
RETRY_LIMIT = 20
# How many marks the Stripe card lists by name (the rest are counted).
CARD_LIMIT = 5
# What an event's subscription needs re-read with (its discounts come as ids; MRR needs their coupons).
DISCOUNTS_EXPAND = ("discounts.source.coupon",)
WHAT_WORDS = {"lines": "its lines", "discounts": "its discounts"}


@dataclass(frozen=True)
class Refusal:
    """Stripe's answer to a sub-resource read it refused."""

    status: int
    code: str
    message: str

    @property
    def text(self) -> str:
        # Stripe's messages end with a full stop; the card's sentence has its own.
        said = f"'{self.message.rstrip('.')}'" if self.message else self.code
        return f"{self.status} {said}".strip()


@dataclass(frozen=True)
class LinesRead:
    """The lines missing from an invoice, or why Stripe would not give them."""

    lines: list[dict] | None = None
    refusal: Refusal | None = None


async def remaining_lines(reader: BudgetedReader, invoice: dict) -> list[dict] | None:
    """Every line Stripe did not embed in the invoice (it embeds the first 10); None when none is missing."""
    lines = invoice.get("lines") or {}
    if not lines.get("has_more"):
        return None
    collected: list[dict] = []
    cursor = (lines.get("data") or [{}])[-1].get("id")
    while True:
        params = {"limit": 100, **({"starting_after": cursor} if cursor else {})}
        page = await asyncio.to_thread(reader.get, f"/v1/invoices/{invoice['id']}/lines", **params)
        collected.extend(page["data"])
        if not page.get("has_more") or not page["data"]:
            return collected
        cursor = page["data"][-1]["id"]


async def read_lines(reader: BudgetedReader, invoice: dict) -> LinesRead | None:
    """`remaining_lines`, with a refusal of this one invoice's lines returned instead of raised.

    None when the invoice embeds all its lines. Revoked access, 429 and 5xx raise as before.
    """
    try:
        lines = await remaining_lines(reader, invoice)
    except StripeRefused as exc:
        return LinesRead(refusal=Refusal(exc.status, exc.code, exc.stripe_message))
    return None if lines is None else LinesRead(lines=lines)


async def store_lines(workspace_id: int, account_id: str, invoice_id: str, read: LinesRead | None) -> None:
    """Write what `read_lines` found (inside `events.writing`): the lines and a clear mark, or a partial mark."""
    if read is not None and read.refusal is not None:
        await record(workspace_id, account_id, "invoice", invoice_id, "lines", read.refusal)
        return
    if read is not None:
        await upserts.upsert_lines(workspace_id, account_id, invoice_id, read.lines or [])
        await upserts.mark_lines_complete(workspace_id, invoice_id)
    await clear(workspace_id, account_id, "invoice", invoice_id)


async def read_discounts(reader: BudgetedReader, subscription: dict) -> tuple[dict, Refusal | None]:
    """The subscription with its discounts' coupons expanded, which MRR needs and events never carry.

    An event's subscription lists its discounts as ids, and Stripe can't fetch a discount by id, so the
    subscription is read again with them expanded (outside `events.writing`, like invoice lines), which also gives
    its current state. A refusal returns the event's copy as it is, with the refusal, for a partial mark.
    """
    if not any(
        isinstance(d, str) or isinstance((d.get("source") or {}).get("coupon"), str)
        for d in subscription.get("discounts") or []
    ):
        return subscription, None
    try:
        return await asyncio.to_thread(
            reader.get, f"/v1/subscriptions/{subscription['id']}", expand=list(DISCOUNTS_EXPAND)
        ), None
    except StripeRefused as exc:
        return subscription, Refusal(exc.status, exc.code, exc.stripe_message)


async def store_discounts(workspace_id: int, account_id: str, subscription_id: str, refusal: Refusal | None) -> None:
    """Mark the subscription partial when its discounts could not be read, else clear its mark (inside `writing`)."""
    if refusal is not None:
        await record(workspace_id, account_id, "subscription", subscription_id, "discounts", refusal)
    else:
        await clear(workspace_id, account_id, "subscription", subscription_id)


def _key(workspace_id: int, account_id: str, object_type: str, stripe_id: str):
    return (
        (StripePartialObject.workspace == workspace_id)
        & (StripePartialObject.account_id == account_id)
        & (StripePartialObject.object_type == object_type)
        & (StripePartialObject.stripe_id == stripe_id)
    )


async def record(
    workspace_id: int, account_id: str, object_type: str, stripe_id: str, what: str, refusal: Refusal
) -> None:
    """Mark the object partial, or note one more failed attempt on its mark."""
    now = utcnow()
    changes = {
        StripePartialObject.what: what,
        StripePartialObject.error: refusal.text[:2000],
        StripePartialObject.status_code: refusal.status,
        StripePartialObject.last_tried_at: now,
    }
    updated = (
        await StripePartialObject.update({**changes, StripePartialObject.attempts: StripePartialObject.attempts + 1})
        .where(_key(workspace_id, account_id, object_type, stripe_id))
        .returning(StripePartialObject.id)
    )
    if not updated:
        await StripePartialObject.insert(
            StripePartialObject(
                workspace=workspace_id,
                account_id=account_id,
                object_type=object_type,
                stripe_id=stripe_id,
                what=what,
                error=refusal.text[:2000],
                status_code=refusal.status,
                first_seen_at=now,
                last_tried_at=now,
                attempts=1,
            )
        ).on_conflict(action="DO NOTHING")


async def clear(workspace_id: int, account_id: str, object_type: str, stripe_id: str) -> None:
    await StripePartialObject.delete().where(_key(workspace_id, account_id, object_type, stripe_id))


async def clear_many(workspace_id: int, account_id: str, object_type: str, stripe_ids: list[str]) -> None:
    if stripe_ids:
        await StripePartialObject.delete().where(
            (StripePartialObject.workspace == workspace_id)
            & (StripePartialObject.account_id == account_id)
            & (StripePartialObject.object_type == object_type)
            & StripePartialObject.stripe_id.is_in(stripe_ids)
        )


async def due(
    workspace_id: int, account_id: str, limit: int = RETRY_LIMIT, tried_before: datetime | None = None
) -> list[StripePartialObject]:
    """The marks to retry now: the longest untried first, at most `limit`, none tried since `tried_before`."""
    where = (StripePartialObject.workspace == workspace_id) & (StripePartialObject.account_id == account_id)
    if tried_before is not None:
        where &= StripePartialObject.last_tried_at < tried_before
    return await StripePartialObject.objects().where(where).order_by(StripePartialObject.last_tried_at).limit(limit)


@dataclass(frozen=True)
class PartialView:
    """What the Stripe card says about one partial object."""

    object_type: str
    stripe_id: str
    what: str
    error: str
    attempts: int

    @property
    def text(self) -> str:
        what = WHAT_WORDS.get(self.what, self.what)
        return f"Stripe answered {self.error} when reading {what}."


@dataclass(frozen=True)
class PartialSummary:
    count: int
    first: list[PartialView]


async def summary(workspace_id: int, account_id: str) -> PartialSummary:
    """How many objects of the account are partial, and the first few of them (oldest first)."""
    where = (StripePartialObject.workspace == workspace_id) & (StripePartialObject.account_id == account_id)
    count = await StripePartialObject.count().where(where)
    rows = (
        await StripePartialObject.objects().where(where).order_by(StripePartialObject.first_seen_at).limit(CARD_LIMIT)
        if count
        else []
    )
    return PartialSummary(count, [PartialView(r.object_type, r.stripe_id, r.what, r.error, r.attempts) for r in rows])
