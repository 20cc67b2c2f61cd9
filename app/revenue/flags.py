"""Quietly cancelling clients and upsell opportunities: each rule a pure function saying whether, when and why it fired.

Quietly cancelling (issue 11, item 5), each flag naming its rule and the moment it fired:
- `cancel_at_period_end`: a live subscription is set to cancel (at its period end or at a set date); fired when the
  cancellation was requested (`canceled_at`), or at the period start when Stripe does not say.
- `downgrade`: a plan change lowered a subscription's monthly price (price or quantity, before discounts: a coupon
  ending is not a downgrade) within the last 60 days; fired at the first period billed at the lower price.
- `failed_payments`: the client's latest two or more payment attempts failed, with no success since; fired at the
  second failure.
- `invoice_gap`: a paying client has had no invoice for longer than its billing interval plus 7 days; fired when
  that much time had passed since its last invoice.

Upsell opportunities (item 6), each with a sentence an account manager can act on:
- `growing_without_upgrade`: MRR grew over the last 6 months, yet the last upgrade (a price or quantity
  increase) is more than 6 months old, or there never was one;
- `loyal_on_same_price`: every invoice of the last 12 months paid on time, on the same price, for 12 months.
Amounts in sentences are minor units formatted by the caller's `money` function (no currency logic here).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.formatting import counted, plural
from app.stripe_data.mrr import add_months, moment

DOWNGRADE_WINDOW = timedelta(days=60)
GRACE = timedelta(days=7)
UPSELL_GROWTH_MONTHS = 6
LOYAL_MONTHS = 12

# What each rule is called on the pages that show flags.
RULE_NAMES = {
    "cancel_at_period_end": "Set to cancel",
    "downgrade": "Downgraded",
    "failed_payments": "Failed payments",
    "invoice_gap": "No recent invoice",
    "growing_without_upgrade": "Growing without an upgrade",
    "loyal_on_same_price": "Loyal on the same price",
}


@dataclass(frozen=True, slots=True)
class Flag:
    rule: str
    at: datetime
    reason: str

    @property
    def name(self) -> str:
        """What the pages, the API and the brief call the rule."""
        return RULE_NAMES.get(self.rule, self.rule)


@dataclass(frozen=True, slots=True)
class PriceChange:
    """A subscription billed at a new monthly price (before discounts) from `at` on."""

    subscription_id: str
    at: datetime
    before: int
    after: int

    @property
    def is_upgrade(self) -> bool:
        return self.after > self.before


def _date(at: datetime) -> str:
    return at.strftime("%d %b %Y")


def cancel_at_period_end(subscriptions: Sequence[dict], now: datetime) -> Flag | None:
    """The first live subscription set to cancel in the future, if any."""
    for sub in subscriptions:
        if sub.get("status") not in ("active", "past_due", "trialing"):
            continue
        items = (sub.get("items") or {}).get("data") or []
        ends = moment(sub.get("cancel_at")) or (
            moment(max((i.get("current_period_end") or 0 for i in items), default=0) or None)
            if sub.get("cancel_at_period_end")
            else None
        )
        if ends is None or ends <= now:
            continue
        started = max((i.get("current_period_start") or 0 for i in items), default=0)
        fired = moment(sub.get("canceled_at")) or moment(started) or now
        return Flag("cancel_at_period_end", fired, f"Set to cancel on {_date(ends)} (requested {_date(fired)}).")
    return None


def downgrade(changes: Sequence[PriceChange], now: datetime, money: Callable[[int], str] = str) -> Flag | None:
    """The latest price decrease within the last 60 days, if any."""
    recent = [c for c in changes if not c.is_upgrade and c.after != c.before and now - c.at <= DOWNGRADE_WINDOW]
    if not recent:
        return None
    latest = max(recent, key=lambda c: c.at)
    reason = f"Downgraded from {money(latest.before)} to {money(latest.after)} a month on {_date(latest.at)}."
    return Flag("downgrade", latest.at, reason)


def failed_payments(attempts: Sequence[tuple[datetime, bool]]) -> Flag | None:
    """Two or more failed attempts in a row at the end of `attempts` ((when, succeeded) pairs, any order)."""
    failures = []
    for at, succeeded in sorted(attempts, key=lambda a: a[0]):
        failures = [] if succeeded else [*failures, at]
    if len(failures) < 2:
        return None
    return Flag(
        "failed_payments", failures[1], f"{len(failures)} payments in a row failed, the last on {_date(failures[-1])}."
    )


def invoice_gap(
    paying: bool, last_invoice_at: datetime | None, interval: tuple[str, int], now: datetime
) -> Flag | None:
    """A paying client whose last invoice is older than one billing interval plus 7 days."""
    if not paying or last_invoice_at is None:
        return None
    unit, count = interval
    due = (
        add_months(last_invoice_at, count * (12 if unit == "year" else 1))
        if unit in ("month", "year")
        else last_invoice_at + timedelta(days=count * (7 if unit == "week" else 1))
    )
    fired = due + GRACE
    if now < fired:
        return None
    every = unit if count == 1 else counted(count, unit)
    return Flag("invoice_gap", fired, f"No invoice since {_date(last_invoice_at)}, though it is billed every {every}.")


def growing_without_upgrade(
    mrr_then: int, mrr_now: int, changes: Sequence[PriceChange], now: datetime, money: Callable[[int], str] = str
) -> Flag | None:
    """MRR grew over the last 6 months while the last upgrade is older than that (or never happened)."""
    if mrr_now <= mrr_then or mrr_then <= 0:
        return None
    upgrades = [c.at for c in changes if c.is_upgrade]
    horizon = add_months(now, -UPSELL_GROWTH_MONTHS)
    last = max(upgrades, default=None)
    if last is not None and last > horizon:
        return None
    since = f"its last upgrade was on {_date(last)}" if last else "it has never upgraded"
    growth = counted(UPSELL_GROWTH_MONTHS, "month")
    reason = f"MRR grew from {money(mrr_then)} to {money(mrr_now)} in {growth}, yet {since}: offer the next plan."
    return Flag("growing_without_upgrade", now, reason)


def loyal_on_same_price(
    first_billed: datetime | None,
    invoices: Sequence[tuple[datetime, bool]],
    changes: Sequence[PriceChange],
    now: datetime,
) -> Flag | None:
    """Every invoice of the last 12 months paid on time ((created, on_time) pairs), on one price for 12 months."""
    horizon = add_months(now, -LOYAL_MONTHS)
    recent = [on_time for created, on_time in invoices if created >= horizon]
    if first_billed is None or first_billed > horizon or not recent or not all(recent):
        return None
    if any(c.at > horizon for c in changes):
        return None
    paid = "its only invoice" if len(recent) == 1 else f"all {len(recent)} {plural(len(recent), 'invoice')}"
    period = counted(LOYAL_MONTHS, "month")
    reason = f"Paid {paid} of the last {period} on time on the same price: a good moment to upsell."
    return Flag("loyal_on_same_price", now, reason)
