"""An independent reading of a Stripe account: overdue, MRR and lifetime revenue straight from Stripe's objects.

Written from Stripe's field definitions (API version 2026-10-28.endive) and PRODUCT.md's rules, not from the app's
code, so that the acceptance tests compare two computations that could disagree:

- Overdue: an `open` invoice with `amount_remaining` > 0. A `send_invoice` invoice is late from its `due_date`
  (a calendar date before today, both in the workspace's time zone); a `charge_automatically` invoice (it has no
  `due_date` in this version) is late once a payment attempt failed (`attempt_count` >= 1), counted from
  `status_transitions.finalized_at`. void, uncollectible, paid and draft invoices never count.
- MRR: `active` and `past_due` subscriptions (one set to cancel at period end is still active until it ends);
  each item's price normalised to a month (day x365/12, week x52/12, month x1, year /12, divided by
  `interval_count`) times its quantity; a discount's coupon (`discount.source.coupon`) counts while the discount
  is in force: from `start` to `end` (a repeating coupon), for one billing period from `start` (a `once` coupon,
  whose `end` Stripe leaves null), or for ever. Percent off scales, amount off (per billing period, in the coupon's
  currency) is normalised like the price. Never below zero; each subscription rounded half-up to the minor unit.
- Lifetime revenue: succeeded, paid charges minus `amount_refunded` (which Stripe keeps as the sum of refunds).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import httpx

_PER_MONTH = {"day": Decimal(365) / 12, "week": Decimal(52) / 12, "month": Decimal(1), "year": Decimal(1) / 12}


def list_all(base_url: str, secret_key: str, account: str, path: str, **params) -> list[dict]:
    """Every object of a list endpoint, through Stripe's own pagination (`starting_after`)."""
    headers = {"Authorization": f"Bearer {secret_key}", "Stripe-Account": account}
    out: list[dict] = []
    cursor = None
    with httpx.Client(base_url=base_url, headers=headers, timeout=60.0) as http:
        while True:
            query = {"limit": 100, **params, **({"starting_after": cursor} if cursor else {})}
            page = http.get(path, params=query)
            assert page.status_code == 200, page.text
            body = page.json()
            out.extend(body["data"])
            if not body["has_more"]:
                return out
            cursor = body["data"][-1]["id"]


def _local_day(unix: int, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(unix, tz=UTC).astimezone(tz).date()


@dataclass
class Late:
    """One customer's overdue invoices: how many, how much per currency, and the oldest one's age in days."""

    count: int = 0
    amount: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    days: int = -1
    failed_payments: int = 0  # charge_automatically invoices whose payment failed
    past_due_dates: int = 0  # send_invoice invoices past their due date


def overdue(invoices: list[dict], tz_name: str, now: datetime) -> dict[str, Late]:
    tz = ZoneInfo(tz_name)
    today = now.astimezone(tz).date()
    late: dict[str, Late] = defaultdict(Late)
    for invoice in invoices:
        if invoice["status"] != "open" or invoice["amount_remaining"] <= 0:
            continue
        if invoice["collection_method"] == "send_invoice":
            if invoice["due_date"] is None or _local_day(invoice["due_date"], tz) >= today:
                continue
            since, kind = _local_day(invoice["due_date"], tz), "past_due_dates"
        elif invoice["attempt_count"] >= 1:
            since, kind = _local_day(invoice["status_transitions"]["finalized_at"], tz), "failed_payments"
        else:
            continue
        entry = late[invoice["customer"]]
        setattr(entry, kind, getattr(entry, kind) + 1)
        entry.count += 1
        entry.amount[invoice["currency"]] += invoice["amount_remaining"]
        entry.days = max(entry.days, (today - since).days)
    return late


def _add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    # Stripe clamps to the month's last day (Jan 31 + 1 month = Feb 28/29).
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _period_end(start: datetime, interval: str, count: int) -> datetime:
    if interval == "month":
        return _add_months(start, count)
    if interval == "year":
        return _add_months(start, 12 * count)
    days = {"day": 1, "week": 7}[interval] * count
    return datetime.fromtimestamp(start.timestamp() + days * 86400, tz=UTC)


def _in_force(discount: dict, price: dict, at: datetime) -> bool:
    start = datetime.fromtimestamp(discount["start"], tz=UTC)
    if at < start:
        return False
    coupon = discount["source"]["coupon"]
    assert isinstance(coupon, dict), "expand the discounts' coupons"
    if discount.get("end"):
        return at < datetime.fromtimestamp(discount["end"], tz=UTC)
    if coupon["duration"] == "once":
        recurring = price["recurring"]
        return at < _period_end(start, recurring["interval"], recurring["interval_count"])
    if coupon["duration"] == "repeating":
        return at < _add_months(start, coupon["duration_in_months"])
    return True


def _discounted(amount: Decimal, discounts: list[dict], price: dict, at: datetime) -> Decimal:
    for discount in discounts:
        if not _in_force(discount, price, at):
            continue
        coupon = discount["source"]["coupon"]
        if coupon.get("percent_off") is not None:
            amount -= amount * Decimal(str(coupon["percent_off"])) / 100
        elif coupon.get("amount_off") is not None:
            amount -= Decimal(coupon["amount_off"])
    return max(Decimal(0), amount)


def subscription_mrr(subscription: dict, at: datetime) -> int:
    """Monthly value of one subscription in its currency's minor units (discounts must be expanded).

    Stripe bills every item of a subscription on one interval, so the discounted total of one billing period is
    normalised once; item discounts apply to their item, subscription discounts to the whole.
    """
    if subscription["status"] not in ("active", "past_due"):
        return 0
    discounts = subscription["discounts"]
    assert all(isinstance(d, dict) for d in discounts), "list subscriptions with expand[]=data.discounts.source.coupon"
    period_total, price = Decimal(0), None
    for item in subscription["items"]["data"]:
        price = item["price"]
        if price["recurring"].get("usage_type") == "metered":
            continue
        amount = Decimal(price["unit_amount_decimal"] or price["unit_amount"] or 0) * (item["quantity"] or 0)
        period_total += _discounted(amount, [d for d in item.get("discounts") or [] if isinstance(d, dict)], price, at)
    if price is None:
        return 0
    recurring = price["recurring"]
    per_month = _PER_MONTH[recurring["interval"]] / recurring["interval_count"]
    total = _discounted(period_total, discounts, price, at) * per_month
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def coupon_kinds_in_force(subscriptions: list[dict], at: datetime) -> set[tuple[str, str, str]]:
    """(percent|amount, duration, price interval) of every discount counting towards MRR at `at`."""
    kinds = set()
    for subscription in subscriptions:
        if subscription["status"] not in ("active", "past_due") or not subscription["items"]["data"]:
            continue
        price = subscription["items"]["data"][0]["price"]
        for discount in subscription["discounts"]:
            if _in_force(discount, price, at):
                coupon = discount["source"]["coupon"]
                off = "percent" if coupon.get("percent_off") is not None else "amount"
                kinds.add((off, coupon["duration"], price["recurring"]["interval"]))
    return kinds


def mrr(subscriptions: list[dict], at: datetime) -> dict[str, dict[str, int]]:
    """customer id -> currency -> MRR in minor units."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for subscription in subscriptions:
        value = subscription_mrr(subscription, at)
        if value:
            out[subscription["customer"]][subscription["currency"]] += value
    return out


def lifetime_revenue(charges: list[dict]) -> dict[str, dict[str, int]]:
    """customer id -> currency -> net revenue in minor units."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for charge in charges:
        if charge["status"] == "succeeded" and charge["paid"] and charge["customer"]:
            out[charge["customer"]][charge["currency"]] += charge["amount"] - charge["amount_refunded"]
    return out
