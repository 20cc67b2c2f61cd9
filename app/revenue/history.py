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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

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


def _billed(
    subscription: Mapping, lines: Sequence[BilledLine], prices: Mapping[str, Mapping], at: int
) -> Decimal | None:
    """What the invoice covering `at` billed per month for licensed items; None when no invoice covers it."""
    covering = [
        line
        for line in lines
        if line.period_start <= at < line.period_end and not _is_metered(prices.get(line.price_id))
    ]
    if not covering:
        return None
    chosen = max(covering, key=lambda line: (not line.invoice_void, line.invoice_created, line.invoice_id))
    return sum(
        (
            mrr.per_month(line.net_amount, _recurring_of(line.price_id, subscription, prices))
            for line in covering
            if line.invoice_id == chosen.invoice_id
        ),
        ZERO,
    )


def _metered(subscription: Mapping, lines: Sequence[BilledLine], prices: Mapping[str, Mapping], at: int) -> Decimal:
    """Each metered price's last closed period, per month, while the period in progress follows it."""
    latest: dict[str, BilledLine] = {}
    for line in lines:
        if not _is_metered(prices.get(line.price_id)) or line.period_end > at:
            continue
        held = latest.get(line.price_id)
        if held is None or (line.period_end, not line.invoice_void) > (held.period_end, not held.invoice_void):
            latest[line.price_id] = line
    total = ZERO
    for price_id, line in latest.items():
        if at < 2 * line.period_end - line.period_start:
            total += mrr.per_month(line.net_amount, prices[price_id]["recurring"])
    return total


def subscription_value(
    subscription: Mapping, lines: Sequence[BilledLine], prices: Mapping[str, Mapping], at: datetime
) -> Decimal:
    """The subscription's MRR at `at`, in its currency's minor units, unrounded (see the module's rules).

    Args:
        subscription: the stored Subscription (discounts expanded, as the sync stores it).
        lines: the lines of the subscription's non-draft invoices.
        prices: price id -> Price, every price on a stored subscription of the workspace.
        at: the moment, an aware datetime.
    """
    moment = int(at.timestamp())
    start = current_period_start(subscription)
    if subscription.get("status") in STOPPED_STATUSES:
        if start is None or moment >= start:
            return ZERO
        subscription = {**subscription, "status": "active"}
    if not mrr.counts_at(subscription, at):
        return ZERO
    metered = _metered(subscription, lines, prices, moment)
    if start is not None and moment < start:
        billed = _billed(subscription, lines, prices, moment)
        if billed is not None:
            return billed + metered
    return mrr.monthly_exact(subscription, at) + metered


def price_catalogue(subscriptions: Sequence[Mapping]) -> dict[str, Mapping]:
    """price id -> Price, from the items of every stored subscription."""
    prices = {}
    for subscription in subscriptions:
        for item in _items(subscription):
            price = item.get("price")
            if isinstance(price, Mapping) and price.get("id"):
                prices[price["id"]] = price
    return prices
