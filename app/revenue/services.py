"""MRR history and invoiced revenue per client and per workspace, month by month, from the stored Stripe objects.

Each series has one value per point of app.revenue.months.points: the last 24 month ends in the workspace's time
zone, then now. Values are integer minor units of the workspace currency. Per client, each currency is summed
first (each subscription rounded half-up to its minor unit, as the client list's MRR) and then converted once
with that month's rate table (app.revenue.rates), rounded half-even; the workspace's value is the sum of its
clients', so movements add up exactly.

Clients: a customer matched to a client counts for that client; an ignored customer counts for nobody; an
unmatched one counts on its own, keyed "account_id:customer_id", so the workspace total is all of its revenue.

Every row is read once, in a handful of grouped queries; the rest is Python (a full rebuild must stay fast for
an agency with thousands of clients and 100,000 invoices).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from app.core import fx
from app.core.timeutil import utcnow
from app.revenue import history, months, rates
from app.stripe_data.tables import CustomerMatch, StripeCharge, StripeInvoice, StripeSubscription
from app.workspaces.tables import Workspace

ClientKey = int | str
ONE = Decimal(1)


@dataclass
class Series:
    """A value per point (month) per client, in minor units of `currency`."""

    currency: str
    points: list[months.Point]
    clients: dict[ClientKey, list[int]] = field(default_factory=dict)
    unconverted: set[str] = field(default_factory=set)  # currencies without a rate, left out
    earlier: dict[ClientKey, int] = field(default_factory=dict)  # at mrr_history's `earlier` moment, if asked

    @property
    def earlier_total(self) -> int:
        return sum(self.earlier.values())

    @property
    def labels(self) -> list[str]:
        return [point.label for point in self.points]

    @property
    def total(self) -> list[int]:
        return [sum(values[i] for values in self.clients.values()) for i in range(len(self.points))]


def loaded_json(stored: object) -> dict:
    data = json.loads(stored) if isinstance(stored, str) else stored
    return data if isinstance(data, dict) else {}


async def _settings(workspace_id: int) -> tuple[str, str]:
    row = await Workspace.select(Workspace.timezone, Workspace.currency).where(Workspace.id == workspace_id).first()
    return (row["timezone"] or "UTC", (row["currency"] or "usd").lower()) if row else ("UTC", "usd")


async def stored_subscriptions(workspace_id: int) -> tuple[list[dict], list[dict]]:
    """Every stored subscription of the workspace: its row (ids, account, customer, currency) and its decoded object."""
    rows = await StripeSubscription.select(
        StripeSubscription.stripe_id,
        StripeSubscription.account_id,
        StripeSubscription.customer_id,
        StripeSubscription.currency,
        StripeSubscription.stripe_object,
    ).where(StripeSubscription.workspace == workspace_id)
    return rows, [loaded_json(row["stripe_object"]) for row in rows]


async def client_keys(workspace_id: int) -> dict[tuple[str, str], ClientKey | None]:
    """(account, customer) -> client id, or None for an ignored customer; unmatched customers are absent."""
    rows = await CustomerMatch.select(
        CustomerMatch.account_id, CustomerMatch.customer_id, CustomerMatch.client, CustomerMatch.ignored
    ).where(CustomerMatch.workspace == workspace_id)
    return {
        (r["account_id"], r["customer_id"]): (None if r["ignored"] else r["client"])
        for r in rows
        if r["ignored"] or r["client"] is not None
    }


def client_key(keys: dict[tuple[str, str], ClientKey | None], account: str, customer: str) -> ClientKey | None:
    """Who a customer's revenue counts for: its client, itself when unmatched, nobody (None) when ignored."""
    pair = (account, customer)
    return keys.get(pair, f"{account}:{customer}")


def _on_postgres() -> bool:
    return StripeInvoice._meta.db.engine_type == "postgres"


def _epoch(column: str) -> str:
    """SQL giving a timestamp column as Unix seconds: the database converts 300,000 of them faster than Python."""
    if _on_postgres():
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def _discount_fields() -> tuple[str, str]:
    """SQL giving an invoice's JSON subtotal and total_excluding_tax as the text '[subtotal,total_excluding_tax]',
    and the FROM clause it needs.

    One value, so each invoice's JSON is parsed once, not once per field. PostgreSQL parses it only for invoices
    whose total is not the sum of their lines (those without discount or tax keep their whole subtotal: NULL, share
    1), since casting 100,000 invoices' JSON to jsonb was most of its time; on SQLite the sum costs more than it saves.
    """
    if _on_postgres():
        fields = (
            "'[' || COALESCE(x.j->>'subtotal', 'null') || ',' || COALESCE(x.j->>'total_excluding_tax', 'null') || ']'"
        )
        lateral = (
            " JOIN (SELECT invoice_id, SUM(amount) AS lines_total FROM stripe_invoice_line WHERE workspace = {} "
            "GROUP BY invoice_id) t ON t.invoice_id = l.invoice_id CROSS JOIN LATERAL (SELECT CASE WHEN "
            "i.total = t.lines_total THEN NULL ELSE i.stripe_object::jsonb END AS j) x"
        )
        return fields, lateral
    return "json_extract(i.stripe_object, '$.subtotal', '$.total_excluding_tax')", ""


_LINES_SQL = (
    "SELECT i.subscription_id AS subscription_id, l.invoice_id AS invoice_id, l.price_id AS price_id, "
    "l.amount AS amount, {period_start} AS period_start, {period_end} AS period_end, {created} AS created, "
    "i.status AS status, {discount} AS discount "
    "FROM stripe_invoice_line l JOIN stripe_invoice i ON i.workspace = l.workspace AND i.stripe_id = l.invoice_id"
    "{lateral} WHERE l.workspace = {{}} AND l.price_id != '' AND i.subscription_id != '' AND i.status != 'draft'"
)


def _share(fields: str | None) -> Decimal:
    subtotal, excluding = json.loads(fields) if fields else (None, None)
    return history.net_share(subtotal, excluding)


async def billed_lines(workspace_id: int) -> dict[str, list[history.BilledLine]]:
    """subscription id -> the priced lines of its non-draft invoices."""
    discount, lateral = _discount_fields()
    sql = _LINES_SQL.format(
        period_start=_epoch("l.period_start"),
        period_end=_epoch("l.period_end"),
        created=_epoch("i.created"),
        discount=discount,
        lateral=lateral,
    )
    out: dict[str, list[history.BilledLine]] = defaultdict(list)
    shares: dict[str | None, Decimal] = {}  # most invoices share a handful of (subtotal, total) pairs
    for row in await StripeInvoice.raw(sql, *([workspace_id] * sql.count("{}"))):
        fields = row["discount"]
        if fields not in shares:
            shares[fields] = _share(fields)
        out[row["subscription_id"]].append(
            history.BilledLine(
                invoice_id=row["invoice_id"],
                price_id=row["price_id"],
                amount=int(row["amount"] or 0),
                period_start=int(row["period_start"] or 0),
                period_end=int(row["period_end"] or 0),
                invoice_created=int(row["created"] or 0),
                invoice_void=row["status"] == "void",
                net_share=shares[fields],
            )
        )
    return out


def _in_currency(amounts: dict[str, int], currency: str, table: dict[str, Decimal], unknown: set[str]) -> int:
    if not amounts:
        return 0
    if len(amounts) == 1 and currency in amounts:
        return int(amounts[currency])  # nothing to convert: skip the Decimal arithmetic for most clients
    total, missing = fx.total_in(amounts, currency, table)
    unknown |= missing
    return total


def _convert(
    per_currency: dict[ClientKey, list[dict[str, int]]],
    currency: str,
    points: list[months.Point],
    tables: dict[str, dict[str, Decimal]],
) -> Series:
    series = Series(currency=currency, points=points)
    for key, values in per_currency.items():
        series.clients[key] = [
            _in_currency(amounts, currency, tables[point.label], series.unconverted)
            for point, amounts in zip(points, values, strict=True)
        ]
    return series


async def mrr_history(
    workspace_id: int,
    now: datetime | None = None,
    count: int = months.HISTORY_MONTHS,
    earlier: datetime | None = None,
) -> Series:
    """MRR per client at each month end of the last `count` months and now (rules: app.revenue.history).

    Args:
        workspace_id: whose stored Stripe objects to read.
        now: the current instant (tests pass one).
        count: how many past month ends.
        earlier: one more moment to value MRR at, outside the points (the dashboard's "30 days ago"), read from the
            same rows so a caller needing both does not load them twice; its values land in `Series.earlier`.

    Returns:
        The series in the workspace currency; clients whose MRR was zero throughout are left out.
    """
    tz_name, currency = await _settings(workspace_id)
    points = months.points(now or utcnow(), tz_name, count)
    keys = await client_keys(workspace_id)
    rows, subscriptions = await stored_subscriptions(workspace_id)
    prices = history.price_catalogue(subscriptions)
    lines = await billed_lines(workspace_id)
    moments = [point.at for point in points] + ([earlier] if earlier else [])
    slots = len(moments)
    per_currency: dict[ClientKey, list[dict[str, int]]] = {}
    for row, subscription in zip(rows, subscriptions, strict=True):
        key = client_key(keys, row["account_id"], row["customer_id"])
        if key is None:
            continue
        values = history.subscription_values(subscription, lines.get(row["stripe_id"], []), prices, moments)
        cur = (row["currency"] or "").lower()
        for index, value in enumerate(values):
            if value:
                bucket = per_currency.setdefault(key, [{} for _ in range(slots)])[index]
                bucket[cur] = bucket.get(cur, 0) + int(value.quantize(ONE, rounding=ROUND_HALF_UP))
    if earlier is None:
        tables = await rates.rate_tables(point.label for point in points)
        return _convert(per_currency, currency, points, tables)
    extra = months.Point(months.label_of(earlier, tz_name), earlier)
    tables = await rates.rate_tables(point.label for point in [*points, extra])
    series = _convert(per_currency, currency, [*points, extra], tables)
    for key, values in series.clients.items():
        series.earlier[key] = values.pop()
    series.points = points
    series.clients = {key: values for key, values in series.clients.items() if any(values)}
    return series


_REFUNDED_SQL = (
    "SELECT c.invoice_id AS invoice_id, c.amount_refunded AS amount_refunded, COALESCE(r.refunded, 0) AS refunded "
    "FROM stripe_charge c LEFT JOIN (SELECT charge_id, SUM(amount) AS refunded FROM stripe_refund "
    "WHERE workspace = {} AND status IN ('succeeded', 'pending') GROUP BY charge_id) r ON r.charge_id = c.stripe_id "
    "WHERE c.workspace = {} AND c.invoice_id != '' AND c.status = 'succeeded'"
)


_PAID_SQL = (
    "SELECT stripe_id, account_id, customer_id, currency, amount_paid, {paid_at} AS paid_at FROM stripe_invoice "
    "WHERE workspace = {{}} AND status = 'paid' AND paid_at IS NOT NULL AND {paid_at} >= {{}}"
)


async def invoiced_revenue(
    workspace_id: int, now: datetime | None = None, count: int = months.HISTORY_MONTHS
) -> Series:
    """Paid invoices net of their refunds, per client, by the month they were paid (`status_transitions.paid_at`).

    A refund counts against the month its invoice was paid, so a month's figure is what that month's invoices
    finally brought in. A charge's refund is the larger of its `amount_refunded` and its refunds' sum (the sync may
    have seen one and not yet the other), as for lifetime revenue.

    Args:
        workspace_id: whose stored Stripe objects to read.
        now: the current instant; its month is the last point (so far this month).
        count: how many past months before it.

    Returns:
        The series in the workspace currency, one value per month of `months.points`.
    """
    tz_name, currency = await _settings(workspace_id)
    points = months.points(now or utcnow(), tz_name, count)
    keys = await client_keys(workspace_id)
    refunded: dict[str, int] = defaultdict(int)
    for row in await StripeCharge.raw(_REFUNDED_SQL, workspace_id, workspace_id):
        refunded[row["invoice_id"]] += max(int(row["amount_refunded"] or 0), int(row["refunded"] or 0))
    firsts, lasts = months.starts(points, tz_name), [int(point.at.timestamp()) for point in points]
    per_currency: dict[ClientKey, list[dict[str, int]]] = {}
    for row in await StripeInvoice.raw(_PAID_SQL.format(paid_at=_epoch("paid_at")), workspace_id, firsts[0]):
        index = bisect_right(firsts, row["paid_at"]) - 1
        key = client_key(keys, row["account_id"], row["customer_id"])
        if index < 0 or key is None or row["paid_at"] > lasts[index]:
            continue
        bucket = per_currency.setdefault(key, [{} for _ in points])[index]
        cur = (row["currency"] or "").lower()
        bucket[cur] = bucket.get(cur, 0) + int(row["amount_paid"] or 0) - refunded.get(row["stripe_id"], 0)
    tables = await rates.rate_tables(point.label for point in points)
    return _convert(per_currency, currency, points, tables)
