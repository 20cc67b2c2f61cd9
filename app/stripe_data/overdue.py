"""When an invoice is overdue, and how a badge says so: the rules follow the two ways agencies bill through Stripe.

- `send_invoice` (the client pays a sent invoice): overdue once its `due_date`, as a calendar date in the workspace's
  time zone, is before today there. Days = today − due date (due yesterday → 1).
- `charge_automatically` (every subscription invoice: Stripe charges the card on file): Stripe sends no `due_date`.
  Overdue once a payment attempt failed, that is `attempt_count` ≥ 1 on an invoice that is still open. It counts from
  when payment was due, `status_transitions.finalized_at`: days = today − finalized date in the workspace's zone, and
  a payment that failed today shows as "Payment failed today".
- Only an open invoice with something left to pay (`amount_remaining` > 0) counts: paid, void, uncollectible and
  draft invoices never do.

The rules are written once here: as SQL for the grouped queries of app.stripe_data.insights (one page of clients at
a time, never a Python loop over a workspace's invoices), plus the day count and the badge's words.
templates/clients/_overdue_help.html tells owners the same; change both together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from app.core.timeutil import DATE_FORMAT, utcnow

SEND_INVOICE = "send_invoice"
CHARGE_AUTOMATICALLY = "charge_automatically"


def overdue_sql(alias: str = "i") -> str:
    """A condition true for an overdue invoice row of `stripe_invoice` (as `alias`).

    It has one `{}` placeholder: the start of today in the workspace's time zone, as a UTC instant (start_of_day).
    """
    return (
        f"({alias}.status = 'open' AND {alias}.amount_remaining > 0 AND ("
        f"({alias}.collection_method = '{SEND_INVOICE}' AND {alias}.due_date < {{}}) OR "
        f"({alias}.collection_method = '{CHARGE_AUTOMATICALLY}' AND {alias}.attempt_count > 0)))"
    )


def counts_from_sql(alias: str = "i") -> str:
    """When an overdue invoice's lateness starts: its due date, or when an automatic one was finalized.

    An open invoice has always been finalized; `created` only stands in for rows that lack the moment.
    """
    return (
        f"(CASE WHEN {alias}.collection_method = '{SEND_INVOICE}' THEN {alias}.due_date "
        f"ELSE COALESCE({alias}.finalized_at, {alias}.created) END)"
    )


def today_in(tz_name: str, now: datetime | None = None) -> date:
    """Today's calendar date in the workspace's time zone."""
    return (now or utcnow()).astimezone(ZoneInfo(tz_name)).date()


def start_of_day(day: date, tz_name: str) -> datetime:
    """Midnight at the start of `day` in `tz_name`, as a UTC instant (what due dates are compared with)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz_name)).astimezone(UTC)


def days_overdue(due: datetime, tz_name: str, now: datetime | None = None) -> int:
    """Calendar days between the due date and today, both in the workspace's time zone (0 when not yet overdue)."""
    return max(0, (today_in(tz_name, now) - due.astimezone(ZoneInfo(tz_name)).date()).days)


def _days(count: int) -> str:
    return f"{count} {'day' if count == 1 else 'days'}"


@dataclass(frozen=True)
class Lateness:
    """How late one overdue invoice is, and the words its badge uses."""

    failed_payment: bool  # an automatic payment failed; otherwise a sent invoice is past its due date
    days: int
    retry_on: date | None = None  # Stripe's next attempt, in the workspace's zone; None when it won't retry

    @property
    def text(self) -> str:
        if not self.failed_payment:
            return f"Invoice {_days(self.days)} overdue"
        when = "today" if self.days == 0 else f"{_days(self.days)} ago"
        retry = f", retrying on {self.retry_on.strftime(DATE_FORMAT)}" if self.retry_on else ""
        return f"Payment failed {when}{retry}"


def lateness(
    collection_method: str,
    counts_from: datetime,
    next_payment_attempt: datetime | None,
    tz_name: str,
    now: datetime | None = None,
) -> Lateness:
    """The lateness of an invoice that overdue_sql() selected.

    Args:
        collection_method: the invoice's; anything but send_invoice is a failed automatic payment.
        counts_from: what counts_from_sql() gave (the due date, or when the invoice was finalized).
        next_payment_attempt: when Stripe retries. A moment already past (data not yet caught up) is not announced.
        tz_name: the workspace's time zone, which decides the calendar days.
        now: the current instant (tests pass one to check midnight edges).
    """
    now = now or utcnow()
    days = days_overdue(counts_from, tz_name, now)
    if collection_method == SEND_INVOICE:
        return Lateness(failed_payment=False, days=days)
    retry = next_payment_attempt if next_payment_attempt and next_payment_attempt > now else None
    return Lateness(
        failed_payment=True, days=days, retry_on=retry.astimezone(ZoneInfo(tz_name)).date() if retry else None
    )
