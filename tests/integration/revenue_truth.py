"""An independent reading of a Stripe account's MRR history and invoiced revenue, straight from Stripe's objects.

Written from Stripe's field definitions and the rules in issue 11 / app.revenue.history's docstring, not from the
app's code, so the acceptance test compares two computations that could disagree:

- Month ends: the last second of each calendar month in the workspace's time zone, then now.
- A subscription counts while active or past_due, a canceled one before `ended_at`, an unpaid or paused one
  before its current period began; never before `start_date`, in a trial, or from `cancel_at` on; trialing and
  incomplete ones never.
- In its current period (from the items' `current_period_start`): its items and discounts as they stand
  (stripe_truth's rules). Before: the newest non-void invoice of the subscription whose licensed subscription-item
  line covers the moment; each such line's amount times the invoice's `total_excluding_tax / subtotal`, per month
  by its price's interval (the price as Stripe lists it).
- Metered prices, in any period: the latest line of the price whose period has ended, while the period in
  progress directly follows it, valued like a licensed line.
- Each subscription rounded half-up; a client's currencies converted with the month's rates, half-even, once.
- Invoiced revenue: paid invoices by the month of `status_transitions.paid_at`, `amount_paid` less the refunds
  of their succeeded charges.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from app.core import fx
from tests.integration import stripe_truth

_MONTHS_PER = {"day": Decimal(12) / 365, "week": Decimal(12) / 52, "month": Decimal(1), "year": Decimal(12)}


def month_ends(now: datetime, tz_name: str, count: int = 24) -> list[tuple[str, datetime]]:
    tz = ZoneInfo(tz_name)
    local = now.astimezone(tz)
    out = []
    year, month = local.year, local.month
    for _ in range(count):
        following = datetime(year, month, 1, tzinfo=tz)
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        out.append((f"{year}-{month:02d}", (following - timedelta(seconds=1)).astimezone(UTC)))
    return [*reversed(out), (f"{local.year}-{local.month:02d}", now)]


def _subscription_of(invoice: dict) -> str | None:
    parent = invoice.get("parent") or {}
    return ((parent.get("subscription_details") or {}).get("subscription")) if parent else None


def invoices_by_subscription(invoices: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for invoice in invoices:
        if invoice["status"] != "draft" and _subscription_of(invoice):
            assert not invoice["lines"]["has_more"], "subscription invoices here have all their lines inline"
            out[_subscription_of(invoice)].append(invoice)
    return out


def _counts(sub: dict, at: int) -> bool:
    status = sub["status"]
    current_start = max(item["current_period_start"] for item in sub["items"]["data"])
    if status in ("unpaid", "paused"):
        status = "active" if at < current_start else "stopped"
    if status == "canceled":
        if not sub.get("ended_at") or at >= sub["ended_at"]:
            return False
    elif status not in ("active", "past_due"):
        return False
    if at < sub["start_date"]:
        return False
    if sub.get("trial_end") and (sub.get("trial_start") or 0) <= at < sub["trial_end"]:
        return False
    ends = sub.get("cancel_at")
    if not ends and sub.get("cancel_at_period_end"):
        ends = max(item["current_period_end"] for item in sub["items"]["data"])
    return not ends or at < ends


def _is_metered(line: dict, prices: dict[str, dict]) -> bool:
    return prices[line["pricing"]["price_details"]["price"]]["recurring"]["usage_type"] == "metered"


def _per_month(line: dict, invoice: dict, prices: dict[str, dict]) -> Decimal:
    share = Decimal(invoice["total_excluding_tax"]) / invoice["subtotal"] if invoice["subtotal"] else Decimal(1)
    recurring = prices[line["pricing"]["price_details"]["price"]]["recurring"]
    return line["amount"] * share / (_MONTHS_PER[recurring["interval"]] * recurring["interval_count"])


def _item_lines(invoices: list[dict]):
    for invoice in invoices:
        for line in invoice["lines"]["data"]:
            if line["parent"]["type"] == "subscription_item_details":
                yield invoice, line


def _billed(invoices: list[dict], prices: dict[str, dict], at: int) -> Decimal | None:
    covering = defaultdict(list)
    for invoice, line in _item_lines(invoices):
        if line["period"]["start"] <= at < line["period"]["end"] and not _is_metered(line, prices):
            covering[(invoice["status"] != "void", invoice["created"], invoice["id"])].append((invoice, line))
    if not covering:
        return None
    return sum((_per_month(line, invoice, prices) for invoice, line in covering[max(covering)]), Decimal(0))


def _usage(invoices: list[dict], prices: dict[str, dict], at: int) -> Decimal:
    """Metered prices: the last closed period's line, while the period in progress directly follows it."""
    last: dict[str, tuple] = {}
    for invoice, line in _item_lines(invoices):
        start, end = line["period"]["start"], line["period"]["end"]
        if _is_metered(line, prices) and end <= at:
            price = line["pricing"]["price_details"]["price"]
            rank = (end, invoice["status"] != "void")
            if price not in last or rank > last[price][0]:
                last[price] = (rank, start, end, _per_month(line, invoice, prices))
    return sum((value for _, start, end, value in last.values() if at < end + (end - start)), Decimal(0))


def _current(sub: dict, at: datetime) -> Decimal:
    """Its items and discounts as they stand (stripe_truth's rules), unrounded."""
    discounts, total, price = sub["discounts"], Decimal(0), None
    for item in sub["items"]["data"]:
        if item["price"]["recurring"]["usage_type"] == "metered":
            continue
        price = item["price"]
        amount = Decimal(price["unit_amount_decimal"]) * item["quantity"]
        total += stripe_truth._discounted(amount, item.get("discounts") or [], price, at)
    if price is None:
        return Decimal(0)
    recurring = price["recurring"]
    monthly = stripe_truth._discounted(total, discounts, price, at)
    return monthly / (_MONTHS_PER[recurring["interval"]] * recurring["interval_count"])


def subscription_mrr(sub: dict, invoices: list[dict], prices: dict[str, dict], at: datetime) -> int:
    moment = int(at.timestamp())
    if not _counts(sub, moment):
        return 0
    value = None
    if moment < max(item["current_period_start"] for item in sub["items"]["data"]):
        value = _billed(invoices, prices, moment)
    if value is None:
        value = _current(sub, at)
    value += _usage(invoices, prices, moment)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _converted(per_currency: dict, currency: str, rates: dict[str, Decimal]) -> int:
    total, unknown = fx.total_in(per_currency, currency, rates)
    assert not unknown, unknown
    return total


def mrr_history(
    subscriptions: list[dict],
    invoices: list[dict],
    prices: list[dict],
    client_of: dict[str, int],
    ends: list[tuple[str, datetime]],
    currency: str,
    rates_for,
) -> dict[int, list[int]]:
    """client -> MRR at each month end, in `currency` (clients at zero throughout left out)."""
    by_sub = invoices_by_subscription(invoices)
    price_of = {price["id"]: price for price in prices}
    raw: dict[int, list[dict[str, int]]] = defaultdict(lambda: [defaultdict(int) for _ in ends])
    for sub in subscriptions:
        for index, (_, at) in enumerate(ends):
            value = subscription_mrr(sub, by_sub.get(sub["id"], []), price_of, at)
            if value:
                raw[client_of[sub["customer"]]][index][sub["currency"]] += value
    return {
        client: [
            _converted(amounts, currency, rates_for(label)) for amounts, (label, _) in zip(values, ends, strict=True)
        ]
        for client, values in raw.items()
    }


def invoiced_revenue(
    invoices: list[dict],
    charges: list[dict],
    client_of: dict[str, int],
    ends: list[tuple[str, datetime]],
    tz_name: str,
    currency: str,
    rates_for,
) -> dict[int, list[int]]:
    """client -> paid invoices net of refunds per month (by paid date), in `currency`."""
    refunded: dict[str, int] = defaultdict(int)
    for charge in charges:
        if charge["status"] == "succeeded" and charge.get("invoice"):
            refunded[charge["invoice"]] += charge["amount_refunded"]
    position = {label: i for i, (label, _) in enumerate(ends)}
    tz = ZoneInfo(tz_name)
    raw: dict[int, list[dict[str, int]]] = defaultdict(lambda: [defaultdict(int) for _ in ends])
    for invoice in invoices:
        paid_at = invoice["status_transitions"]["paid_at"]
        if invoice["status"] != "paid" or not paid_at:
            continue
        local = datetime.fromtimestamp(paid_at, tz=tz)
        index = position.get(f"{local.year}-{local.month:02d}")
        if index is None or paid_at > ends[-1][1].timestamp():
            continue
        net = invoice["amount_paid"] - refunded.get(invoice["id"], 0)
        raw[client_of[invoice["customer"]]][index][invoice["currency"]] += net
    return {
        client: [
            _converted(amounts, currency, rates_for(label)) for amounts, (label, _) in zip(values, ends, strict=True)
        ]
        for client, values in raw.items()
    }
