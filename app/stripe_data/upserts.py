"""Stripe JSON -> rows, written idempotently on each table's declared unique key.

Every write is INSERT ... ON CONFLICT DO UPDATE (SQLite >= 3.24 and PostgreSQL both support it), so running a sync
twice, or replaying an event, rewrites the same rows instead of adding new ones. Rows are plain tuples sent in one
statement per table (see `bulk_upsert`): building a Piccolo Table object and query string per row cost more than
the database's own work (cProfile of the ingest benchmark: 3/4 of the time in Piccolo's row and query building).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any
from urllib.parse import urlparse

import orjson
from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.constraints import Unique
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


def id_of(value: Any) -> str:
    """An id whether Stripe sent it bare or expanded into an object."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


# Stripe's JSON has no cycles to check for; compact separators make every stored object ~10% smaller.
# The SDK decodes some amounts as Decimal; default=str keeps them exact.


def _as_json(obj: dict) -> str:
    # orjson writes a page's objects five times faster than the json module; `str` keeps a Decimal exact.
    return orjson.dumps(obj, default=str).decode()


def _stored(obj: dict) -> dict:
    """The object as stored in `stripe_object`: an invoice keeps its `lines` list without the lines themselves.

    Its lines are rows of StripeInvoiceLine, all of them rather than the ten Stripe embeds; storing them twice
    was a third of every invoice's JSON, and so of the ingest's writing (nothing reads them from the JSON).
    """
    lines = obj.get("lines") if obj.get("object") == "invoice" else None
    if not isinstance(lines, dict) or "data" not in lines:
        return obj
    return obj | {"lines": {k: v for k, v in lines.items() if k != "data"}}


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
        "customer_id": id_of(obj.get("customer")),
        "status": obj.get("status") or "",
        "currency": obj.get("currency") or "usd",
        "cancel_at_period_end": bool(obj.get("cancel_at_period_end")),
        "canceled_at": ts(obj.get("canceled_at")),
        "current_period_start": ts(first_item.get("current_period_start")),
        "current_period_end": ts(first_item.get("current_period_end")),
        "trial_end": ts(obj.get("trial_end")),
        "created": ts(obj.get("created")) or utcnow(),
    }


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def invoice_row(obj: dict) -> dict:
    parent = (obj.get("parent") or {}).get("subscription_details") or {}
    lines = obj.get("lines") or {}
    return {
        "customer_id": id_of(obj.get("customer")),
        "customer_email": (obj.get("customer_email") or "").strip().lower(),
        "subscription_id": id_of(parent.get("subscription")),
        "number": obj.get("number") or "",
        "status": obj.get("status") or "",
        "currency": obj.get("currency") or "usd",
        "total": int(obj.get("total") or 0),
        "subtotal": _int_or_none(obj.get("subtotal")),
        "total_excluding_tax": _int_or_none(obj.get("total_excluding_tax")),
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
        "price_id": id_of(pricing.get("price")),
        "period_start": ts(period.get("start")),
        "period_end": ts(period.get("end")),
    }


def charge_row(obj: dict) -> dict:
    return {
        "customer_id": id_of(obj.get("customer")),
        "status": obj.get("status") or "",
        "paid": bool(obj.get("paid")),
        "currency": obj.get("currency") or "usd",
        "amount": int(obj.get("amount") or 0),
        "amount_refunded": int(obj.get("amount_refunded") or 0),
        "created": ts(obj.get("created")) or utcnow(),
    }


def refund_row(obj: dict) -> dict:
    return {
        "charge_id": id_of(obj.get("charge")),
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

# PostgreSQL array type per column class, for `unnest`.
_PG_TYPES = {ForeignKey: "integer", Integer: "integer", Varchar: "varchar", Text: "text", Boolean: "boolean"}
_PG_TYPES |= {Timestamptz: "timestamptz", JSON: "json"}


@dataclass(frozen=True)
class _Statement:
    key: tuple[str, ...]
    defaults: dict[str, Any]
    values: Callable[[dict], tuple]  # a full row (defaults | row) -> its values in the statement's column order
    sql: str


_STATEMENTS: dict[tuple[type[Table], str, bool], _Statement] = {}


def _statement(table: type[Table], engine_type: str, replace: bool) -> _Statement:
    """The upsert of `table` on its declared unique key, for one engine (built once)."""
    if (table, engine_type, replace) not in _STATEMENTS:
        columns = [c for c in table._meta.columns if c._meta.name != "id"]
        names = tuple(c._meta.db_column_name for c in columns)
        key = _key_names(table)
        quoted = ", ".join(f'"{n}"' for n in names)
        updates = ", ".join(f'"{n}" = excluded."{n}"' for n in names if n not in key)
        target = ", ".join(f'"{k}"' for k in key)
        conflict = f"ON CONFLICT ({target}) " + (f"DO UPDATE SET {updates}" if replace else "DO NOTHING")
        if engine_type == "postgres":
            arrays = ", ".join(f"${i}::{_PG_TYPES[type(c)]}[]" for i, c in enumerate(columns, start=1))
            values = f"SELECT * FROM unnest({arrays})"
        else:
            values = f"VALUES ({', '.join('?' for _ in names)})"
        sql = f'INSERT INTO "{table._meta.tablename}" ({quoted}) {values} {conflict}'
        # A timestamp's default is "now" when the statement is built, not when it runs: rows must bring their own.
        defaults = {c._meta.db_column_name: c.get_default_value() for c in columns if not isinstance(c, Timestamptz)}
        _STATEMENTS[table, engine_type, replace] = _Statement(key, defaults, itemgetter(*names), sql)
    return _STATEMENTS[table, engine_type, replace]


async def bulk_upsert(table: type[Table], rows: list[dict], replace: bool = True) -> None:
    """Insert or update `rows` (column name -> value; missing columns take their default) in one statement.

    `replace=False` leaves a row that already has the key as it is (ON CONFLICT DO NOTHING).

    SQLite runs the one prepared statement over every row (executemany: no bound-parameter limit to split by);
    PostgreSQL gets one array per column and `unnest`s them. A key repeated in `rows` keeps its last row, since
    PostgreSQL refuses to update one row twice in a statement. Runs in the current transaction, or its own.
    """
    if not rows:
        return
    engine = table._meta.db
    transaction = engine.current_transaction.get()
    if transaction is None:
        async with engine.transaction():
            return await bulk_upsert(table, rows, replace)
    statement = _statement(table, engine.engine_type, replace)
    unique = {tuple(row[k] for k in statement.key): row for row in rows}
    defaults, full = statement.defaults, statement.values
    values = [full(defaults | row) for row in unique.values()]
    if engine.engine_type == "postgres":
        await transaction.connection.execute(statement.sql, *(list(column) for column in zip(*values, strict=True)))
    else:
        await transaction.connection.executemany(statement.sql, values)


def _key_names(table: type[Table]) -> tuple[str, ...]:
    """The columns of the table's declared Unique constraint: the key its upsert names in ON CONFLICT."""
    return tuple(next(c for c in table._meta.constraints if isinstance(c, Unique)).get_column_names())


def object_rows(workspace_id: int, account_id: str, objects: Iterable[dict], deleted: bool = False) -> list[dict]:
    """One kind's objects as rows of its table (see KINDS)."""
    rows = []
    now = utcnow()
    for obj in objects:
        build = KINDS[obj["object"]][1]
        row = build(obj)
        row["workspace"] = workspace_id
        row["account_id"] = account_id
        row["stripe_id"] = obj["id"]
        row["stripe_object"] = _as_json(_stored(obj))
        row["synced_at"] = now
        if deleted and obj["object"] == "customer":
            row["deleted"] = True
        rows.append(row)
    return rows


def embedded(objects: Iterable[dict]) -> tuple[list[tuple[str, dict]], list[dict]]:
    """The invoice lines (invoice id, line) and refunds that invoices and charges carry inside them."""
    lines, refunds = [], []
    for obj in objects:
        kind = obj.get("object")
        if kind == "invoice":
            lines.extend((obj["id"], line) for line in (obj.get("lines") or {}).get("data") or ())
        elif kind == "charge":
            refunds.extend((obj.get("refunds") or {}).get("data") or ())
    return lines, refunds


async def upsert_objects(workspace_id: int, account_id: str, objects: Iterable[dict], deleted: bool = False) -> int:
    """Write Stripe objects of one kind (customers, invoices, ...) for a workspace; returns how many.

    Invoices also get their embedded lines; charges their embedded refunds. `deleted` marks
    customers from `customer.deleted` events.
    """
    objects = [o for o in objects if o.get("id")]
    if not objects:
        return 0
    table = KINDS[objects[0]["object"]][0]
    await bulk_upsert(table, object_rows(workspace_id, account_id, objects, deleted))
    lines, refunds = embedded(objects)
    await upsert_line_rows(workspace_id, account_id, lines)
    await upsert_objects(workspace_id, account_id, refunds)
    return len(objects)


async def upsert_lines(workspace_id: int, account_id: str, invoice_id: str, lines: list[dict]) -> int:
    """Write one invoice's lines (any subset; the rest arrive with the next page of lines)."""
    return await upsert_line_rows(workspace_id, account_id, [(invoice_id, line) for line in lines])


async def upsert_line_rows(workspace_id: int, account_id: str, lines: list[tuple[str, dict]]) -> int:
    """Write (invoice id, line) pairs of any invoices; returns how many."""
    rows = line_rows(workspace_id, account_id, lines)
    await bulk_upsert(StripeInvoiceLine, rows)
    return len(rows)


def line_rows(workspace_id: int, account_id: str, lines: list[tuple[str, dict]]) -> list[dict]:
    """(invoice id, line) pairs as rows of StripeInvoiceLine."""
    rows = []
    for invoice_id, line in lines:
        if line.get("id"):
            row = line_row(line)
            row["workspace"] = workspace_id
            row["account_id"] = account_id
            row["invoice_id"] = invoice_id
            row["stripe_id"] = line["id"]
            rows.append(row)
    return rows


async def mark_lines_complete(workspace_id: int, invoice_id: str) -> None:
    await mark_many_lines_complete(workspace_id, [invoice_id])


async def mark_many_lines_complete(workspace_id: int, invoice_ids: list[str]) -> None:
    for start in range(0, len(invoice_ids), 500):
        await StripeInvoice.update({StripeInvoice.lines_complete: True}).where(
            (StripeInvoice.workspace == workspace_id) & StripeInvoice.stripe_id.is_in(invoice_ids[start : start + 500])
        )
