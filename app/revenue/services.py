"""MRR history and invoiced revenue per client and per workspace, month by month, from the stored Stripe objects.

Each series has one value per point of app.revenue.months.points: the last 24 month ends in the workspace's time
zone, then now. Values are integer minor units of the workspace currency. Per client, each currency is summed
first (each subscription rounded half-up to its minor unit, as the client list's MRR) and then converted once
with that month's rate table (app.revenue.rates), rounded half-even; the workspace's value is the sum of its
clients', so movements add up exactly.

Who each customer's revenue counts for, and what is read to compute it: app.revenue.facts. Every row is read once,
in a handful of grouped queries (`load_facts`); a caller computing several figures loads the facts once and passes
them to each. The rest is Python (a full rebuild must stay fast for an agency with thousands of clients and
100,000 invoices).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from app.core import fx
from app.core.timeutil import utcnow
from app.revenue import history, months
from app.revenue.facts import (  # noqa: F401 (re-exported: callers of the revenue services import them from here)
    ClientKey,
    RevenueFacts,
    billed_lines,
    client_key,
    client_keys,
    load_facts,
    loaded_json,
    stored_subscriptions,
)
from app.revenue.facts import epoch as _epoch
from app.stripe_data.tables import StripeCharge, StripeInvoice

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
        """The workspace's value per point: the sum of its clients'.

        Summed once per `clients` mapping and kept: a page reads it several times, and at 2,000 clients each sum
        took milliseconds of a request that should take a few. Replace `clients`, do not edit it in place.
        """
        kept = self.__dict__.get("_total")
        if kept is None or kept[0] is not self.clients or kept[1] != len(self.points):
            totals = [sum(values[i] for values in self.clients.values()) for i in range(len(self.points))]
            kept = self.__dict__["_total"] = (self.clients, len(self.points), totals)
        return kept[2]


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
    facts: RevenueFacts | None = None,
) -> Series:
    """MRR per client at each month end of the last `count` months and now (rules: app.revenue.history).

    Args:
        workspace_id: whose stored Stripe objects to read.
        now: the current instant (tests pass one).
        count: how many past month ends.
        earlier: one more moment to value MRR at, outside the points (the dashboard's "30 days ago"), read from the
            same rows so a caller needing both does not load them twice; its values land in `Series.earlier`.
        facts: the workspace's facts if the caller has loaded them (app.revenue.facts.load_facts), else read here.

    Returns:
        The series in the workspace currency; clients whose MRR was zero throughout are left out.
    """
    facts = facts if facts is not None else await load_facts(workspace_id)
    tz_name, currency = facts.timezone, facts.currency
    points = months.points(now or utcnow(), tz_name, count)
    moments = [point.at for point in points] + ([earlier] if earlier else [])
    slots = len(moments)
    per_currency: dict[ClientKey, list[dict[str, int]]] = {}
    for row, subscription in zip(facts.subscription_rows, facts.subscriptions, strict=True):
        key = facts.client_key(row["account_id"], row["customer_id"])
        if key is None:
            continue
        lines = facts.lines.get(row["stripe_id"], [])
        values = history.subscription_values(subscription, lines, facts.prices, moments)
        cur = (row["currency"] or "").lower()
        for index, value in enumerate(values):
            if value:
                bucket = per_currency.setdefault(key, [{} for _ in range(slots)])[index]
                bucket[cur] = bucket.get(cur, 0) + int(value.quantize(ONE, rounding=ROUND_HALF_UP))
    if earlier is None:
        return _convert(per_currency, currency, points, facts.rate_tables(point.label for point in points))
    extra = months.Point(months.label_of(earlier, tz_name), earlier)
    tables = facts.rate_tables(point.label for point in [*points, extra])
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
    workspace_id: int,
    now: datetime | None = None,
    count: int = months.HISTORY_MONTHS,
    facts: RevenueFacts | None = None,
) -> Series:
    """Paid invoices net of their refunds, per client, by the month they were paid (`status_transitions.paid_at`).

    A refund counts against the month its invoice was paid, so a month's figure is what that month's invoices
    finally brought in. A charge's refund is the larger of its `amount_refunded` and its refunds' sum (the sync may
    have seen one and not yet the other), as for lifetime revenue.

    Args:
        workspace_id: whose stored Stripe objects to read.
        now: the current instant; its month is the last point (so far this month).
        count: how many past months before it.
        facts: the workspace's facts if the caller has loaded them (settings, client keys and rates are used).

    Returns:
        The series in the workspace currency, one value per month of `months.points`.
    """
    facts = facts if facts is not None else await load_facts(workspace_id, subscriptions=False)
    tz_name, currency = facts.timezone, facts.currency
    points = months.points(now or utcnow(), tz_name, count)
    refunded: dict[str, int] = defaultdict(int)
    for row in await StripeCharge.raw(_REFUNDED_SQL, workspace_id, workspace_id):
        refunded[row["invoice_id"]] += max(int(row["amount_refunded"] or 0), int(row["refunded"] or 0))
    firsts, lasts = months.starts(points, tz_name), [int(point.at.timestamp()) for point in points]
    per_currency: dict[ClientKey, list[dict[str, int]]] = {}
    for row in await StripeInvoice.raw(_PAID_SQL.format(paid_at=_epoch("paid_at")), workspace_id, firsts[0]):
        index = bisect_right(firsts, row["paid_at"]) - 1
        key = facts.client_key(row["account_id"], row["customer_id"])
        if index < 0 or key is None or row["paid_at"] > lasts[index]:
            continue
        bucket = per_currency.setdefault(key, [{} for _ in points])[index]
        cur = (row["currency"] or "").lower()
        bucket[cur] = bucket.get(cur, 0) + int(row["amount_paid"] or 0) - refunded.get(row["stripe_id"], 0)
    return _convert(per_currency, currency, points, facts.rate_tables(point.label for point in points))
