"""A subscription's MRR at a past moment, rebuilt from the stored subscription and its invoice lines (pure).

A stored subscription shows only its current items and discounts: an upgrade changes the items in place, and
Stripe removes a spent discount. So the past is read from what was billed. For a moment `at`:

- **Whether it counts** is app.stripe_data.mrr.counts_at on the stored subscription: active and past_due count
  (past_due until it is canceled), a canceled one until its `ended_at`, one set to cancel at period end until
  that end, nothing before `start_date` or during a trial; trialing, incomplete and incomplete_expired never.
  History adds one rule: `unpaid` and `paused` subscriptions (Stripe stopped collecting at the start of their
  current period) counted as active before that start, and count nothing from it on.
- **The current period** (`at` on or after the items' `current_period_start`): mrr.monthly_exact of the stored
  subscription, the same value as the client list's "MRR now" (its items, quantities, discounts by duration).
- **An earlier period** (`at` before `current_period_start`): what the subscription's invoice for the period
  containing `at` billed. Its licensed lines whose service period contains `at` (`period_start <= at <
  period_end`; one-off lines have no price and never count), each net of its invoice's discounts (the invoice's
  discount share, `(subtotal - total_excluding_tax) / subtotal`, which is how Stripe spreads an invoice-level
  discount over its lines), normalised to a month by its price's interval. A line's price is looked up among
  the prices of every stored subscription; one no subscription holds any more takes the interval of the
  subscription's current items. When several invoices cover `at` the newest non-void one is used; when none
  does (lines not synced yet), the stored subscription stands in.
- **Metered prices** (`usage_type = metered`) count with the last closed period's invoiced amount: the latest
  line of that price whose period ended at or before `at`, while the period in progress directly follows it.
Taxes never count: line amounts and subtotals exclude tax. Decimal throughout; callers round once.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from app.stripe_data import mrr

ZERO = Decimal(0)
ONE = Decimal(1)
# Stripe stopped collecting these at the start of their current period; before it they were live subscriptions.
STOPPED_STATUSES = frozenset({"unpaid", "paused"})


@dataclass(frozen=True, slots=True)
class BilledLine:
    """One invoice line of a subscription, as history needs it (times are Unix seconds)."""

    invoice_id: str
    price_id: str
    amount: int
    period_start: int
    period_end: int
    invoice_created: int
    invoice_void: bool = False
    net_share: Decimal = ONE  # what is left of each unit of the invoice's subtotal after its discounts

    @property
    def net_amount(self) -> Decimal:
        return self.amount * self.net_share


def net_share(subtotal: int | None, total_excluding_tax: int | None) -> Decimal:
    """The part of an invoice's subtotal its discounts leave: 1 without discounts, 0.8 after 20% off."""
    if not subtotal or total_excluding_tax is None or subtotal <= 0:
        return ONE
    return max(ZERO, min(ONE, Decimal(total_excluding_tax) / Decimal(subtotal)))


def _items(subscription: Mapping) -> list[Mapping]:
    return [i for i in ((subscription.get("items") or {}).get("data") or []) if isinstance(i, Mapping)]


def current_period_start(subscription: Mapping) -> int | None:
    """Where the stored items begin to describe the subscription (the latest period any item is in)."""
    starts = [int(i["current_period_start"]) for i in _items(subscription) if i.get("current_period_start")]
    if starts:
        return max(starts)
    value = subscription.get("current_period_start")
    return int(value) if value else None


def _is_metered(price: Mapping | None) -> bool:
    return bool(price) and ((price.get("recurring") or {}).get("usage_type") == "metered")


def _recurring_of(price_id: str, subscription: Mapping, prices: Mapping[str, Mapping]) -> Mapping:
    price = prices.get(price_id)
    if price and price.get("recurring"):
        return price["recurring"]
    for item in _items(subscription):
        recurring = (item.get("price") or {}).get("recurring")
        if recurring and recurring.get("usage_type") != "metered":
            return recurring
    return {"interval": "month", "interval_count": 1}


@dataclass(frozen=True, slots=True)
class _Billed:
    """A line reduced to what each point needs: its period, its invoice's rank, its value per month."""

    start: int
    end: int
    rank: tuple  # the newest non-void invoice ranks highest
    invoice_id: str
    monthly: Decimal


def _prepared(
    subscription: Mapping, lines: Sequence[BilledLine], prices: Mapping[str, Mapping]
) -> tuple[list[_Billed], dict[str, list[_Billed]]]:
    """The subscription's licensed lines (by period start), and its metered lines by price, each valued once."""
    licensed, metered = [], {}
    recurring_of: dict[str, tuple[bool, Mapping]] = {}
    for line in lines:
        if line.price_id not in recurring_of:
            price = prices.get(line.price_id)
            is_metered = _is_metered(price)
            recurring = price["recurring"] if is_metered else _recurring_of(line.price_id, subscription, prices)
            recurring_of[line.price_id] = (is_metered, recurring)
        is_metered, recurring = recurring_of[line.price_id]
        rank = (not line.invoice_void, line.invoice_created, line.invoice_id)
        monthly = mrr.per_month(line.net_amount, recurring)
        entry = _Billed(line.period_start, line.period_end, rank, line.invoice_id, monthly)
        if is_metered:
            metered.setdefault(line.price_id, []).append(entry)
        else:
            licensed.append(entry)
    licensed.sort(key=lambda entry: entry.start)
    return licensed, metered


def _billed(licensed: list[_Billed], starts: list[int], longest: int, at: int) -> Decimal | None:
    """What the invoice covering `at` billed per month for licensed items; None when no invoice covers it.

    `licensed` is sorted by period start (`starts`, the same order) and no period is longer than `longest`, so only
    the few lines that start within `longest` before `at` can cover it.
    """
    covering = []
    for index in range(bisect_right(starts, at) - 1, -1, -1):
        entry = licensed[index]
        if entry.start + longest <= at:
            break
        if at < entry.end:
            covering.append(entry)
    if not covering:
        return None
    chosen = max(covering, key=lambda entry: entry.rank).invoice_id
    return sum((entry.monthly for entry in covering if entry.invoice_id == chosen), ZERO)


def _metered(metered: dict[str, list[_Billed]], at: int) -> Decimal:
    """Each metered price's last closed period, per month, while the period in progress follows it."""
    total = ZERO
    for entries in metered.values():
        closed = [entry for entry in entries if entry.end <= at]
        if closed:
            last = max(closed, key=lambda entry: (entry.end, entry.rank))
            if at < 2 * last.end - last.start:
                total += last.monthly
    return total


def subscription_values(
    subscription: Mapping, lines: Sequence[BilledLine], prices: Mapping[str, Mapping], moments: Sequence[datetime]
) -> list[Decimal]:
    """The subscription's MRR at each of `moments`, in its currency's minor units, unrounded (the module's rules).

    Args:
        subscription: the stored Subscription (discounts expanded, as the sync stores it).
        lines: the priced lines of the subscription's non-draft invoices.
        prices: price id -> Price, every price on a stored subscription of the workspace.
        moments: aware datetimes.
    """
    start = current_period_start(subscription)
    stopped = subscription.get("status") in STOPPED_STATUSES
    live = {**subscription, "status": "active"} if stopped else subscription
    licensed, metered = _prepared(subscription, lines, prices)
    starts = [entry.start for entry in licensed]
    longest = max((entry.end - entry.start for entry in licensed), default=0)
    counts_at = mrr.counting_rule(live)
    out = []
    for at in moments:
        moment = int(at.timestamp())
        if (stopped and (start is None or moment >= start)) or not counts_at(at):
            out.append(ZERO)
            continue
        value = _billed(licensed, starts, longest, moment) if start is not None and moment < start else None
        if value is None:
            value = mrr.monthly_exact(live, at)
        out.append(value + (_metered(metered, moment) if metered else ZERO))
    return out


def subscription_value(
    subscription: Mapping, lines: Sequence[BilledLine], prices: Mapping[str, Mapping], at: datetime
) -> Decimal:
    """The subscription's MRR at one moment (subscription_values for a single point)."""
    return subscription_values(subscription, lines, prices, [at])[0]


def price_catalogue(subscriptions: Sequence[Mapping]) -> dict[str, Mapping]:
    """price id -> Price, from the items of every stored subscription."""
    prices = {}
    for subscription in subscriptions:
        for item in _items(subscription):
            price = item.get("price")
            if isinstance(price, Mapping) and price.get("id"):
                prices[price["id"]] = price
    return prices


def _gross_now(subscription: Mapping) -> Decimal:
    currency = subscription.get("currency") or ""
    return sum((mrr.item_monthly(item, currency) for item in _items(subscription)), ZERO)


def price_changes(
    subscription: Mapping, lines: Sequence[BilledLine], prices: Mapping[str, Mapping]
) -> list[tuple[int, int, int]]:
    """Each time the subscription's monthly price changed, before discounts: (Unix time, before, after).

    Read from consecutive invoices' licensed lines (void invoices skipped; metered usage is not a price), then from
    the last invoice to the stored items, for a change not billed yet (dated at the current period's start).
    Quantities count: 2 seats to 3 is a change. A coupon starting or ending is not: amounts are before discounts.
    """
    gross: dict[str, tuple[int, Decimal]] = {}
    for line in lines:
        if line.invoice_void or _is_metered(prices.get(line.price_id)):
            continue
        value = mrr.per_month(Decimal(line.amount), _recurring_of(line.price_id, subscription, prices))
        start, total = gross.get(line.invoice_id, (line.period_start, ZERO))
        gross[line.invoice_id] = (min(start, line.period_start), total + value)
    billed = sorted(gross.values(), key=lambda entry: entry[0])
    current = current_period_start(subscription)
    if current is not None:
        billed.append((max(current, billed[-1][0]) if billed else current, _gross_now(subscription)))
    changes = []
    for (_, before), (at, after) in itertools.pairwise(billed):
        before_minor, after_minor = (int(v.quantize(ONE, rounding=ROUND_HALF_UP)) for v in (before, after))
        if before_minor != after_minor:
            changes.append((at, before_minor, after_minor))
    return changes
