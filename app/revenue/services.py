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
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from app.core import fx
from app.core.timeutil import as_moment, utcnow
from app.revenue import history, months, rates
from app.stripe_data.tables import CustomerMatch, StripeCharge, StripeInvoice, StripeSubscription
from app.workspaces.tables import Workspace

ClientKey = int | str


@dataclass
class Series:
    """A value per point (month) per client, in minor units of `currency`."""

    currency: str
    points: list[months.Point]
    clients: dict[ClientKey, list[int]] = field(default_factory=dict)
    unconverted: set[str] = field(default_factory=set)  # currencies without a rate, left out

    @property
    def labels(self) -> list[str]:
        return [point.label for point in self.points]

    @property
    def total(self) -> list[int]:
        return [sum(values[i] for values in self.clients.values()) for i in range(len(self.points))]


def _loaded(stored: object) -> dict:
    data = json.loads(stored) if isinstance(stored, str) else stored
    return data if isinstance(data, dict) else {}


def _unix(value: object) -> int:
    moment = as_moment(value)
    return int(moment.timestamp()) if moment else 0


async def _settings(workspace_id: int) -> tuple[str, str]:
    row = await Workspace.select(Workspace.timezone, Workspace.currency).where(Workspace.id == workspace_id).first()
    return (row["timezone"] or "UTC", (row["currency"] or "usd").lower()) if row else ("UTC", "usd")


async def _client_keys(workspace_id: int) -> dict[tuple[str, str], ClientKey | None]:
    """(account, customer) -> client id, or None for an ignored customer; unmatched customers are absent."""
    rows = await CustomerMatch.select(
        CustomerMatch.account_id, CustomerMatch.customer_id, CustomerMatch.client, CustomerMatch.ignored
    ).where(CustomerMatch.workspace == workspace_id)
    return {
        (r["account_id"], r["customer_id"]): (None if r["ignored"] else r["client"])
        for r in rows
        if r["ignored"] or r["client"] is not None
    }


def _key(keys: dict[tuple[str, str], ClientKey | None], account: str, customer: str) -> ClientKey | None:
    """Who a customer's revenue counts for: its client, itself when unmatched, nobody (None) when ignored."""
    pair = (account, customer)
    return keys.get(pair, f"{account}:{customer}")


def _json_int(column: str, name: str) -> str:
    """SQL reading an integer field of a JSON column, in the engine's dialect."""
    if StripeInvoice._meta.db.engine_type == "postgres":
        return f"CAST({column}->>'{name}' AS BIGINT)"
    return f"CAST(json_extract({column}, '$.{name}') AS INTEGER)"


_LINES_SQL = (
    "SELECT i.subscription_id AS subscription_id, l.invoice_id AS invoice_id, l.price_id AS price_id, "
    "l.amount AS amount, l.period_start AS period_start, l.period_end AS period_end, i.created AS created, "
    "i.status AS status, {subtotal} AS subtotal, {excluding} AS excluding FROM stripe_invoice_line l "
    "JOIN stripe_invoice i ON i.workspace = l.workspace AND i.stripe_id = l.invoice_id "
    "WHERE l.workspace = {{}} AND l.price_id != '' AND i.subscription_id != '' AND i.status != 'draft'"
)


async def _billed_lines(workspace_id: int) -> dict[str, list[history.BilledLine]]:
    """subscription id -> the priced lines of its non-draft invoices."""
    sql = _LINES_SQL.format(
        subtotal=_json_int("i.stripe_object", "subtotal"), excluding=_json_int("i.stripe_object", "total_excluding_tax")
    )
    out: dict[str, list[history.BilledLine]] = defaultdict(list)
    shares: dict[tuple[int | None, int | None], Decimal] = {}
    for row in await StripeInvoice.raw(sql, workspace_id):
        pair = (row["subtotal"], row["excluding"])
        if pair not in shares:
            shares[pair] = history.net_share(*pair)
        out[row["subscription_id"]].append(
            history.BilledLine(
                invoice_id=row["invoice_id"],
                price_id=row["price_id"],
                amount=int(row["amount"] or 0),
                period_start=_unix(row["period_start"]),
                period_end=_unix(row["period_end"]),
                invoice_created=_unix(row["created"]),
                invoice_void=row["status"] == "void",
                net_share=shares[pair],
            )
        )
    return out


def _convert(
    per_currency: dict[ClientKey, list[dict[str, Decimal]]],
    currency: str,
    points: list[months.Point],
    tables: dict[str, dict[str, Decimal]],
) -> Series:
    series = Series(currency=currency, points=points)
    for key, values in per_currency.items():
        converted = []
        for point, amounts in zip(points, values, strict=True):
            total, unknown = fx.total_in(amounts, currency, tables[point.label])
            series.unconverted |= unknown
            converted.append(total)
        series.clients[key] = converted
    return series


async def mrr_history(workspace_id: int, now: datetime | None = None, count: int = months.HISTORY_MONTHS) -> Series:
    """MRR per client at each month end of the last `count` months and now (rules: app.revenue.history).

    Args:
        workspace_id: whose stored Stripe objects to read.
        now: the current instant (tests pass one).
        count: how many past month ends.

    Returns:
        The series in the workspace currency; clients whose MRR was zero throughout are left out.
    """
    tz_name, currency = await _settings(workspace_id)
    points = months.points(now or utcnow(), tz_name, count)
    keys = await _client_keys(workspace_id)
    rows = await StripeSubscription.select(
        StripeSubscription.stripe_id,
        StripeSubscription.account_id,
        StripeSubscription.customer_id,
        StripeSubscription.currency,
        StripeSubscription.stripe_object,
    ).where(StripeSubscription.workspace == workspace_id)
    subscriptions = [_loaded(row["stripe_object"]) for row in rows]
    prices = history.price_catalogue(subscriptions)
    lines = await _billed_lines(workspace_id)
    per_currency: dict[ClientKey, list[dict[str, Decimal]]] = {}
    for row, subscription in zip(rows, subscriptions, strict=True):
        key = _key(keys, row["account_id"], row["customer_id"])
        if key is None:
            continue
        own = lines.get(row["stripe_id"], [])
        for index, point in enumerate(points):
            value = history.subscription_value(subscription, own, prices, point.at)
            if not value:
                continue
            bucket = per_currency.setdefault(key, [{} for _ in points])[index]
            cur = (row["currency"] or "").lower()
            bucket[cur] = bucket.get(cur, 0) + int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    tables = await rates.rate_tables(point.label for point in points)
    return _convert(per_currency, currency, points, tables)


_REFUNDED_SQL = (
    "SELECT c.invoice_id AS invoice_id, c.amount_refunded AS amount_refunded, COALESCE(r.refunded, 0) AS refunded "
    "FROM stripe_charge c LEFT JOIN (SELECT charge_id, SUM(amount) AS refunded FROM stripe_refund "
    "WHERE workspace = {} AND status IN ('succeeded', 'pending') GROUP BY charge_id) r ON r.charge_id = c.stripe_id "
    "WHERE c.workspace = {} AND c.invoice_id != '' AND c.status = 'succeeded'"
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
    index_of = {point.label: i for i, point in enumerate(points)}
    keys = await _client_keys(workspace_id)
    refunded: dict[str, int] = defaultdict(int)
    for row in await StripeCharge.raw(_REFUNDED_SQL, workspace_id, workspace_id):
        refunded[row["invoice_id"]] += max(int(row["amount_refunded"] or 0), int(row["refunded"] or 0))
    rows = await StripeInvoice.select(
        StripeInvoice.stripe_id,
        StripeInvoice.account_id,
        StripeInvoice.customer_id,
        StripeInvoice.currency,
        StripeInvoice.amount_paid,
        StripeInvoice.paid_at,
    ).where(
        (StripeInvoice.workspace == workspace_id)
        & (StripeInvoice.status == "paid")
        & StripeInvoice.paid_at.is_not_null()
    )
    per_currency: dict[ClientKey, list[dict[str, Decimal]]] = {}
    for row in rows:
        index = index_of.get(months.label_of(as_moment(row["paid_at"]), tz_name))
        key = _key(keys, row["account_id"], row["customer_id"])
        if index is None or key is None or (index == len(points) - 1 and as_moment(row["paid_at"]) > points[-1].at):
            continue
        bucket = per_currency.setdefault(key, [{} for _ in points])[index]
        cur = (row["currency"] or "").lower()
        bucket[cur] = bucket.get(cur, 0) + int(row["amount_paid"] or 0) - refunded.get(row["stripe_id"], 0)
    tables = await rates.rate_tables(point.label for point in points)
    return _convert(per_currency, currency, points, tables)
