"""Stripe JSON -> rows, written idempotently on the unique (workspace, stripe id) keys.

One INSERT ... ON CONFLICT DO UPDATE per page (SQLite >= 3.24 and PostgreSQL both support it), so
running a sync twice, or replaying an event, rewrites the same rows instead of adding new ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from piccolo.table import Table

from app.core.timeutil import utcnow
from app.stripe_data.tables import (
    StripeCharge,
    StripeCustomer,
    StripeInvoice,
    StripeInvoiceLine,
    StripeRefund,
    StripeSubscription,
)


def ts(value: Any) -> datetime | None:
    """Stripe's unix seconds as an aware UTC datetime (None stays None)."""
    if value in (None, "", 0):
        return None
    return datetime.fromtimestamp(int(value), tz=UTC)


def _id(value: Any) -> str:
    """An id whether Stripe sent it bare or expanded into an object."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _as_json(obj: dict) -> str:
    # The SDK decodes some amounts as Decimal; str() keeps them exact.
    return json.dumps(obj, default=str)


def domain_of(value: str) -> str:
    """`https://www.Acme.com/about` or `acme.com` -> `acme.com`; '' when there is none."""
    value = (value or "").strip().lower()
    if not value:
        return ""
    host = urlparse(value if "//" in value else f"//{value}").hostname or ""
    return host.removeprefix("www.")


def customer_row(obj: dict) -> dict:
    email = (obj.get("email") or "").strip().lower()
    metadata = obj.get("metadata") or {}
    # Stripe customers have no website field: only metadata can carry one.
    website = metadata.get("website") or metadata.get("url") or ""
    return {
        "email": email,
        "email_domain": email.rsplit("@", 1)[1] if "@" in email else "",
        "website_domain": domain_of(website),
        "name": (obj.get("name") or "")[:300],
        "currency": obj.get("currency") or "",
        "deleted": bool(obj.get("deleted")),
        "created": ts(obj.get("created")) or utcnow(),
    }


def subscription_row(obj: dict) -> dict:
    # The pinned API version keeps the billing period on the items only.
    first_item = ((obj.get("items") or {}).get("data") or [{}])[0]
    return {
        "customer_id": _id(obj.get("customer")),
        "status": obj.get("status") or "",
        "currency": obj.get("currency") or "usd",
        "cancel_at_period_end": bool(obj.get("cancel_at_period_end")),
        "canceled_at": ts(obj.get("canceled_at")),
        "current_period_start": ts(first_item.get("current_period_start")),
        "current_period_end": ts(first_item.get("current_period_end")),
        "trial_end": ts(obj.get("trial_end")),
        "created": ts(obj.get("created")) or utcnow(),
    }


def invoice_row(obj: dict) -> dict:
    parent = (obj.get("parent") or {}).get("subscription_details") or {}
    lines = obj.get("lines") or {}
    return {
        "customer_id": _id(obj.get("customer")),
        "customer_email": (obj.get("customer_email") or "").strip().lower(),
        "subscription_id": _id(parent.get("subscription")),
        "number": obj.get("number") or "",
        "status": obj.get("status") or "",
        "currency": obj.get("currency") or "usd",
        "total": int(obj.get("total") or 0),
        "amount_due": int(obj.get("amount_due") or 0),
        "amount_paid": int(obj.get("amount_paid") or 0),
        "amount_remaining": int(obj.get("amount_remaining") or 0),
        "created": ts(obj.get("created")) or utcnow(),
        "due_date": ts(obj.get("due_date")),
        "paid_at": ts((obj.get("status_transitions") or {}).get("paid_at")),
        "collection_method": obj.get("collection_method") or "charge_automatically",
        "attempt_count": int(obj.get("attempt_count") or 0),
        "next_payment_attempt": ts(obj.get("next_payment_attempt")),
        "finalized_at": ts((obj.get("status_transitions") or {}).get("finalized_at")),
        "hosted_invoice_url": obj.get("hosted_invoice_url") or "",
        "lines_complete": not lines.get("has_more", False),
    }


def line_row(obj: dict) -> dict:
    pricing = (obj.get("pricing") or {}).get("price_details") or {}
    period = obj.get("period") or {}
    quantity = obj.get("quantity")
    return {
        "description": obj.get("description") or "",
        "amount": int(obj.get("amount") or 0),
        "currency": obj.get("currency") or "usd",
        "quantity": int(quantity) if quantity is not None else None,
        "price_id": _id(pricing.get("price")),
        "period_start": ts(period.get("start")),
        "period_end": ts(period.get("end")),
    }


def charge_row(obj: dict) -> dict:
    return {
        "customer_id": _id(obj.get("customer")),
        "status": obj.get("status") or "",
        "paid": bool(obj.get("paid")),
        "currency": obj.get("currency") or "usd",
        "amount": int(obj.get("amount") or 0),
        "amount_refunded": int(obj.get("amount_refunded") or 0),
        "created": ts(obj.get("created")) or utcnow(),
    }


def refund_row(obj: dict) -> dict:
    return {
        "charge_id": _id(obj.get("charge")),
        "status": obj.get("status") or "",
        "currency": obj.get("currency") or "usd",
        "amount": int(obj.get("amount") or 0),
        "created": ts(obj.get("created")) or utcnow(),
    }


# Stripe `object` name -> (table, row builder)
KINDS: dict[str, tuple[type[Table], Any]] = {
    "customer": (StripeCustomer, customer_row),
    "subscription": (StripeSubscription, subscription_row),
    "invoice": (StripeInvoice, invoice_row),
    "charge": (StripeCharge, charge_row),
    "refund": (StripeRefund, refund_row),
}


async def _insert(table: type[Table], rows: list[dict], target: tuple) -> None:
    if not rows:
        return
    keys = {column._meta.name for column in target}
    values = [c for c in table._meta.columns if c._meta.name not in keys and c._meta.name != "id"]
    await table.insert(*(table(**row) for row in rows)).on_conflict(target=target, action="DO UPDATE", values=values)


async def upsert_objects(workspace_id: int, account_id: str, objects: Iterable[dict], deleted: bool = False) -> int:
    """Write Stripe objects of one kind (customers, invoices, ...) for a workspace; returns how many.

    Invoices also get their embedded lines; charges their embedded refunds. `deleted` marks
    customers from `customer.deleted` events.
    """
    objects = [o for o in objects if o.get("id")]
    if not objects:
        return 0
    table, build = KINDS[objects[0]["object"]]
    now = utcnow()
    rows = []
    for obj in objects:
        row = {
            "workspace": workspace_id,
            "account_id": account_id,
            "stripe_id": obj["id"],
            **build(obj),
            "stripe_object": _as_json(obj),
            "synced_at": now,
        }
        if deleted and table is StripeCustomer:
            row["deleted"] = True
        rows.append(row)
    await _insert(table, rows, (table.workspace, table.stripe_id))
    if table is StripeInvoice:
        # One statement for the page's embedded lines (up to 10 per invoice).
        lines = [(obj["id"], line) for obj in objects for line in ((obj.get("lines") or {}).get("data") or [])]
        await _insert_lines(workspace_id, account_id, lines)
    if table is StripeCharge:
        refunds = [r for obj in objects for r in ((obj.get("refunds") or {}).get("data") or [])]
        await upsert_objects(workspace_id, account_id, refunds)
    return len(objects)


async def upsert_lines(workspace_id: int, account_id: str, invoice_id: str, lines: list[dict]) -> int:
    """Write one invoice's lines (any subset; the rest arrive with the next page of lines)."""
    return await _insert_lines(workspace_id, account_id, [(invoice_id, line) for line in lines])


async def _insert_lines(workspace_id: int, account_id: str, lines: list[tuple[str, dict]]) -> int:
    rows = [
        {
            "workspace": workspace_id,
            "account_id": account_id,
            "invoice_id": invoice_id,
            "stripe_id": line["id"],
            **line_row(line),
        }
        for invoice_id, line in lines
        if line.get("id")
    ]
    # SQLite caps bound parameters per statement; 200 lines x 11 columns stays well under it.
    for start in range(0, len(rows), 200):
        await _insert(
            StripeInvoiceLine,
            rows[start : start + 200],
            (StripeInvoiceLine.workspace, StripeInvoiceLine.invoice_id, StripeInvoiceLine.stripe_id),
        )
    return len(rows)


async def mark_lines_complete(workspace_id: int, invoice_id: str) -> None:
    await StripeInvoice.update({StripeInvoice.lines_complete: True}).where(
        (StripeInvoice.workspace == workspace_id) & (StripeInvoice.stripe_id == invoice_id)
    )
