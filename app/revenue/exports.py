"""The MRR series and the monthly movements as CSV documents (pure: series and months in, CSV text out).

Amounts are decimal major units of the workspace currency, written from integer minor units (app.core.csv_export);
rates are the exact fractions of app.revenue.movements rounded half-even to six places (0.050000 is 5%), empty when
nobody paid at the start of the month. The help page (templates/revenue/help.html) defines every column.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal

from app.core.csv_export import Money, to_csv
from app.revenue.movements import Kind, Month
from app.revenue.services import Series

RATE_PLACES = Decimal("0.000001")
MRR_HEADER = ("month", "measured_at", "currency", "mrr", "invoiced_revenue")
MOVEMENTS_HEADER = (
    "month",
    "currency",
    "mrr_at_start",
    *(f"{kind.value}_mrr" for kind in Kind),
    "net_change",
    "mrr_at_end",
    "paying_clients_at_start",
    "churned_clients",
    "logo_churn_rate",
    "revenue_churn_rate",
    "net_revenue_retention",
)


def rate(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(RATE_PLACES, rounding=ROUND_HALF_EVEN)


def mrr_csv(mrr: Series, invoiced: Series) -> str:
    """One line per month: MRR at its end (the current month: now) and the revenue invoiced and paid in it.

    Args:
        mrr: app.revenue.services.mrr_history's series.
        invoiced: app.revenue.services.invoiced_revenue's, over the same points.
    """
    currency = mrr.currency
    rows = [
        (point.label, point.at, currency.upper(), Money(value, currency), Money(paid, currency))
        for point, value, paid in zip(mrr.points, mrr.total, invoiced.total, strict=True)
    ]
    return to_csv(MRR_HEADER, rows)


def movements_csv(months: Sequence[Month], currency: str) -> str:
    """One line per month: MRR at its start, each kind's signed movement, MRR at its end, and the rates.

    Args:
        months: app.revenue.movements.monthly's months.
        currency: the workspace currency the amounts are in.
    """
    rows = [
        (
            month.label,
            currency.upper(),
            Money(month.mrr_at_start, currency),
            *(Money(month.amount(kind), currency) for kind in Kind),
            Money(month.net_change, currency),
            Money(month.mrr_at_end, currency),
            month.paying_at_start,
            month.count(Kind.churn),
            rate(month.logo_churn),
            rate(month.revenue_churn),
            rate(month.net_revenue_retention),
        )
        for month in months
    ]
    return to_csv(MOVEMENTS_HEADER, rows)
