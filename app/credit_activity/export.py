"""The transactions list as a CSV document (pure: rows from app.credit_activity.queries in, text out).

Every cell a client, a user or Stripe wrote (names, reasons, ids) is text and goes through the formula guard of
app.core.csv_export; money is plain decimal major units, credits and prices plain numbers.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from app.core.csv_export import Money, to_csv
from app.credit_activity.queries import KIND_LABELS

HEADER = (
    "date",
    "client_id",
    "client",
    "kind",
    "credits",
    "balance_after",
    "currency",
    "amount",
    "application_fee",
    "final_price_per_credit",
    "platform_price_per_credit",
    "cost_per_credit",
    "description",
    "recorded_by",
    "stripe_payment_intent",
    "stripe_charge",
    "stripe_refund",
    "entry_id",
)


def _price(text: str) -> Decimal | None:
    """A stored price as a number; anything that is not one stays out rather than becoming text a sheet could run."""
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _row(row: dict, tz: ZoneInfo) -> tuple:
    moved_money = bool(row["amount_minor"] or row["application_fee_minor"])
    currency = row["currency"] or "usd"
    return (
        row["created_at"].astimezone(tz).replace(microsecond=0),
        row["client"],
        row["client_name"] or "",
        KIND_LABELS.get(row["kind"], row["kind"]),
        int(row["credits"]),
        int(row["balance_after"]),
        currency.upper() if moved_money else "",
        Money(int(row["amount_minor"]), currency) if moved_money else None,
        Money(int(row["application_fee_minor"]), currency) if moved_money else None,
        _price(row["final_price_per_credit"]),
        _price(row["platform_price_per_credit"]),
        _price(row["cost_per_credit"]),
        row["description"] or "",
        row["by_name"] or row["by_email"] or "",
        row["stripe_payment_intent_id"] or "",
        row["stripe_charge_id"] or "",
        row["stripe_refund_id"] or "",
        row["id"],
    )


def transactions_csv(rows: list[dict], tz_name: str) -> str:
    """One line per ledger entry, times in the workspace's time zone.

    Args:
        rows: entries from `queries.matching_entries` (with `client_name`, `by_name`, `by_email`).
        tz_name: the workspace's time zone.
    """
    tz = ZoneInfo(tz_name or "UTC")
    return to_csv(HEADER, (_row(row, tz) for row in rows))
