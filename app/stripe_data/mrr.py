"""Monthly recurring revenue of one Stripe subscription at a given moment, from the pinned API version's shapes.

Pure: no HTTP, no database, no Litestar. The client list uses it for "MRR now"; revenue history computes it at each
month end from the same stored objects.

Rules (unit tests in tests/unit/test_mrr.py):
- Counts while `active` or `past_due` (a failed payment is still revenue the agency expects). `trialing`,
  `incomplete`, `incomplete_expired`, `paused` and `unpaid` count as nothing. `canceled` counts as nothing, except
  for a moment before its `ended_at` (history). Nothing counts before `start_date`, during a trial, or once
  `cancel_at` (or the period end of one set to cancel at period end) has passed.
- Each item: its price per billing period × quantity, normalised to a month (`month` ×1/interval_count, `year`
  ÷12, `week` ×52/12, `day` ×365/12). Tiered prices follow their tiers; metered prices count as 0.
- Discounts apply while active at the moment: `start <= at` and `at < end`. Stripe sets `end` only for
  `repeating` coupons; without one, `once` covers one billing period from `start` (the first invoice), `repeating`
  `duration_in_months` months from `start`, `forever` never ends. Item discounts apply to their item, then the
  subscription's discounts to every item they apply to (`applies_to.products`), each in the listed order.
  Percent-off multiplies; amount-off is per billing period in the subscription's currency, so it is normalised
  by the interval exactly like the price. Never below zero.
- Decimal throughout, rounded once at the end, half-up to minor units.

Discounts must be expanded Discount objects whose `source.coupon` is an expanded Coupon (the sync asks for
`expand[]=data.discounts.source.coupon`); an id left unexpanded can be resolved through `coupons` (coupon id ->
Coupon), and is otherwise skipped, since its amount is unknown.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

COUNTING_STATUSES = frozenset({"active", "past_due"})
ZERO = Decimal(0)
# How many months `per` interval units make (a week is 12/52 of a month), kept as a fraction so that turning an
# amount into a monthly one takes a single division.
MONTHS_PER_UNIT = {"month": (1, 1), "year": (12, 1), "week": (12, 52), "day": (12, 365)}


def moment(value: int | None) -> datetime | None:
    """A Stripe Unix timestamp as an aware UTC datetime."""
    return None if value is None else datetime.fromtimestamp(int(value), tz=UTC)


def add_months(start: datetime, months: int) -> datetime:
    """`months` calendar months after `start`, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))


def period_end(start: datetime, interval: str, count: int) -> datetime:
    """The end of one billing period that starts at `start`."""
    if interval == "year":
        return add_months(start, 12 * count)
    if interval == "month":
        return add_months(start, count)
    return start + timedelta(days=(7 if interval == "week" else 1) * count)


def per_month(amount: Decimal, recurring: Mapping) -> Decimal:
    """An amount per billing period of a recurring price, as an amount per month (quarterly 300 -> 100)."""
    months, per = MONTHS_PER_UNIT.get(recurring.get("interval") or "month", (1, 1))
    return amount * per / (months * int(recurring.get("interval_count") or 1))


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _tiered_amount(price: Mapping, quantity: int) -> Decimal:
    """What `quantity` units cost per period under a tiered price (`tiers` must have been expanded)."""
    tiers = price.get("tiers") or []
    total, below = ZERO, 0
    for tier in tiers:
        up_to = tier.get("up_to")
        unit = _decimal(tier.get("unit_amount_decimal")) or _decimal(tier.get("unit_amount")) or ZERO
        flat = _decimal(tier.get("flat_amount_decimal")) or _decimal(tier.get("flat_amount")) or ZERO
        if price.get("tiers_mode") == "volume":
            if up_to is None or quantity <= up_to:
                return unit * quantity + flat
            continue
        if quantity <= below:
            break
        in_tier = quantity - below if up_to is None else min(quantity, up_to) - below
        total += unit * in_tier + flat
        below = up_to if up_to is not None else quantity
    return total


def period_amount(price: Mapping, quantity: int, currency: str) -> Decimal:
    """What an item costs per billing period in `currency`, before discounts (metered prices: 0)."""
    recurring = price.get("recurring") or {}
    if recurring.get("usage_type") == "metered":
        return ZERO  # usage is only known from its invoices; revenue history counts it from them
    if price.get("currency") and currency and price["currency"] != currency:
        price = {**price, **((price.get("currency_options") or {}).get(currency) or {})}
    transform = price.get("transform_quantity")
    if transform and transform.get("divide_by"):
        rounding = ROUND_CEILING if transform.get("round") == "up" else ROUND_FLOOR
        quantity = int((Decimal(quantity) / int(transform["divide_by"])).to_integral_value(rounding))
    if price.get("billing_scheme") == "tiered":
        return _tiered_amount(price, quantity)
    unit = _decimal(price.get("unit_amount_decimal"))
    if unit is None:
        unit = _decimal(price.get("unit_amount")) or ZERO
    return unit * quantity


def item_monthly(item: Mapping, currency: str) -> Decimal:
    """One subscription item normalised to a month, before discounts, in minor units (not rounded)."""
    price = item.get("price") or {}
    quantity = item.get("quantity")
    amount = period_amount(price, 1 if quantity is None else int(quantity), currency)
    return per_month(amount, _recurring(item))


def coupon_of(discount: object, coupons: Mapping[str, Mapping] | None = None) -> Mapping | None:
    """The Coupon behind a Discount (`source.coupon`), expanded or looked up in `coupons`; None if unknown."""
    if not isinstance(discount, Mapping):
        return None
    coupon = (discount.get("source") or {}).get("coupon")
    if isinstance(coupon, str):
        coupon = (coupons or {}).get(coupon)
    return coupon if isinstance(coupon, Mapping) else None


def discount_active(discount: Mapping, coupon: Mapping, at: datetime, recurring: Mapping) -> bool:
    """Whether a discount reduces the invoice of the period containing `at`, for a price billed per `recurring`."""
    start = moment(discount.get("start"))
    if start is None or at < start:
        return False
    end = moment(discount.get("end"))
    if end is None:
        duration = coupon.get("duration") or "forever"
        if duration == "once":
            end = period_end(start, recurring.get("interval") or "month", int(recurring.get("interval_count") or 1))
        elif duration == "repeating" and coupon.get("duration_in_months"):
            end = add_months(start, int(coupon["duration_in_months"]))
    return end is None or at < end


def _recurring(item: Mapping) -> Mapping:
    return (item.get("price") or {}).get("recurring") or {}


def _applies_to(coupon: Mapping, item: Mapping) -> bool:
    products = (coupon.get("applies_to") or {}).get("products")
    if not products:
        return True
    product = (item.get("price") or {}).get("product")
    return (product.get("id") if isinstance(product, Mapping) else product) in products


def _amount_off(coupon: Mapping, currency: str) -> Decimal:
    """A coupon's amount off per billing period in `currency` (multi-currency coupons carry each currency's)."""
    if coupon.get("currency") and currency and coupon["currency"] != currency:
        option = (coupon.get("currency_options") or {}).get(currency) or {}
        return _decimal(option.get("amount_off")) or ZERO
    return _decimal(coupon.get("amount_off")) or ZERO


def _discounted(
    amounts: list[Decimal],
    items: list[Mapping],
    discounts: list,
    at: datetime,
    currency: str,
    coupons: Mapping[str, Mapping] | None,
) -> list[Decimal]:
    """`amounts` (per item, per month) after `discounts`, applied in order to the items each coupon applies to."""
    amounts = list(amounts)
    for discount in discounts:
        coupon = coupon_of(discount, coupons)
        if coupon is None:
            continue
        targets = [i for i, item in enumerate(items) if _applies_to(coupon, item)]
        active = [i for i in targets if discount_active(discount, coupon, at, _recurring(items[i]))]
        if not active:
            continue
        if coupon.get("percent_off") is not None:
            keep = (Decimal(100) - Decimal(str(coupon["percent_off"]))) / 100
            for i in active:
                amounts[i] *= keep
            continue
        # The amount comes off each invoice, i.e. once per billing period of the prices it discounts.
        left = per_month(_amount_off(coupon, currency), _recurring(items[active[0]]))
        for i in active:
            taken = min(left, amounts[i])
            amounts[i] -= taken
            left -= taken
    return [max(ZERO, amount) for amount in amounts]


def counting_rule(subscription: Mapping) -> Callable[[datetime], bool]:
    """`counts_at` for one subscription, its dates read once: revenue history asks about 25 moments each."""
    status = subscription.get("status")
    ended = moment(subscription.get("ended_at"))
    if status not in COUNTING_STATUSES and not (status == "canceled" and ended is not None):
        return lambda at: False
    until = None if status in COUNTING_STATUSES else ended
    start = moment(subscription.get("start_date") or subscription.get("created"))
    trial_start, trial_end = moment(subscription.get("trial_start")), moment(subscription.get("trial_end"))
    cancel_at = moment(subscription.get("cancel_at"))
    if cancel_at is None and subscription.get("cancel_at_period_end"):
        ends = [moment(i.get("current_period_end")) for i in _items(subscription) if i.get("current_period_end")]
        cancel_at = max(ends, default=None)

    def counts(at: datetime) -> bool:
        if until is not None and at >= until:
            return False
        if start is not None and at < start:
            return False
        if trial_end is not None and at < trial_end and (trial_start is None or trial_start <= at):
            return False
        return cancel_at is None or at < cancel_at

    return counts


def counts_at(subscription: Mapping, at: datetime) -> bool:
    """Whether the subscription brings in recurring revenue at `at` (see the module's rules)."""
    return counting_rule(subscription)(at)


def _items(subscription: Mapping) -> list[Mapping]:
    return [i for i in ((subscription.get("items") or {}).get("data") or []) if isinstance(i, Mapping)]


def monthly_exact(subscription: Mapping, at: datetime, coupons: Mapping[str, Mapping] | None = None) -> Decimal:
    """The subscription's MRR at `at` in its currency's minor units, unrounded (for sums rounded once)."""
    if not counts_at(subscription, at):
        return ZERO
    currency = subscription.get("currency") or ""
    items = _items(subscription)
    amounts = [
        _discounted([item_monthly(item, currency)], [item], item.get("discounts") or [], at, currency, coupons)[0]
        for item in items
    ]
    amounts = _discounted(amounts, items, subscription.get("discounts") or [], at, currency, coupons)
    return max(ZERO, sum(amounts, ZERO))


def monthly_amount(subscription: Mapping, at: datetime, coupons: Mapping[str, Mapping] | None = None) -> int:
    """The subscription's MRR at `at` in integer minor units of its currency, rounded half-up once.

    Args:
        subscription: a Subscription in the pinned API version's shape, discounts expanded.
        at: the moment (aware datetime) to value it at: now for the client list, a month end for history.
        coupons: coupon id -> Coupon, for discounts whose `source.coupon` was left as an id.
    """
    return int(monthly_exact(subscription, at, coupons).quantize(Decimal(1), rounding=ROUND_HALF_UP))
