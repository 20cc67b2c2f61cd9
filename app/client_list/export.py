"""The clients table as a CSV document (pure: the rows app.client_list.queries.matching_clients gives, CSV out).

The columns the table shows, in its order, with the overdue badge's facts spelled out; money as decimal major
units of the workspace currency, empty for a client without Stripe data (the table's "—").
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from app.core.csv_export import Money, to_csv
from app.core.validation import display_domain

HEADER = (
    "client_id",
    "name",
    "emails",
    "domains",
    "status",
    "currency",
    "lifetime_revenue",
    "mrr",
    "last_invoice_date",
    "overdue_invoices",
    "overdue_amount",
    "days_overdue",
)


def _row(row: dict, currency: str, tz: ZoneInfo) -> tuple:
    insight = row.get("insight")
    last = insight.last_invoice_at if insight else None
    return (
        row["id"],
        row["name"],
        "; ".join(row["emails"]),
        "; ".join(display_domain(domain) for domain in row["domains"]),
        row["status"],
        currency.upper(),
        Money(insight.lifetime_revenue, currency) if insight else None,
        Money(insight.mrr, currency) if insight else None,
        last.astimezone(tz).date() if last else None,
        insight.overdue_count if insight else None,
        Money(insight.overdue_amount, currency) if insight else None,
        insight.days_overdue if insight and insight.overdue else None,
    )


def clients_csv(rows: list[dict], currency: str, tz_name: str) -> str:
    """One line per client, dates in the workspace's time zone.

    Args:
        rows: clients with `insight`, `emails` and `domains` attached.
        currency: the workspace currency the insights' amounts are in.
        tz_name: the workspace's time zone.
    """
    tz = ZoneInfo(tz_name or "UTC")
    return to_csv(HEADER, (_row(row, currency, tz) for row in rows))
