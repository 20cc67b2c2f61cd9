"""The agencies' coupons, and when a subscription's discount applies to one of its invoices.

Stripe's rules, as the generator follows them: a discount applies to invoices created from its `start`; a `once`
coupon to the first of them only, a `repeating` one until the discount's `end` (`start` + `duration_in_months`),
a `forever` one always. Stripe sets `end` only for `repeating` coupons, and removes a discount from its
subscription once it can no longer apply (a spent `once`, a `repeating` past its `end`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MONTH = 30 * 86400  # the generator's month, the same one its billing periods use

# id, name, percent_off, amount_off (major units), duration, duration_in_months
COUPONS = [
    ("WELCOME20", "20% off", 20.0, None, "forever", None),
    ("LOYAL10", "10% off", 10.0, None, "forever", None),
    ("HALFOFF3", "50% off for 3 months", 50.0, None, "repeating", 3),
    ("LAUNCH15X12", "15% off the first year", 15.0, None, "repeating", 12),
    ("FIRST25", "25% off the first invoice", 25.0, None, "once", None),
    ("FLAT100", "100 off every invoice", None, 100, "forever", None),
    ("SAVE300X6", "300 off for 6 months", None, 300, "repeating", 6),
    ("ONCE250", "250 off once", None, 250, "once", None),
]
# Every kind (percent and amount; once, repeating, forever) on a monthly and on an annual price, placed on the
# first live subscriptions of that cycle. The annual list starts with three coupons that already cover every kind,
# as a small account may have only a few annual clients.
WANTED = {
    "month": ["WELCOME20", "HALFOFF3", "FIRST25", "FLAT100", "SAVE300X6", "ONCE250"],
    "year": ["FIRST25", "SAVE300X6", "FLAT100", "LAUNCH15X12", "WELCOME20", "ONCE250"],
}


def make_coupons(currencies: set[str], created: int) -> dict[str, dict]:
    """Percent-off coupons once; amount-off coupons once per currency (Stripe applies them in theirs only)."""
    out = {}
    for base, name, pct, off, duration, months in COUPONS:
        for currency in sorted(currencies) if off else [None]:
            cid = f"{base}_{currency.upper()}" if currency else base
            out[cid] = {
                "id": cid,
                "name": name,
                "percent_off": pct,
                "amount_off": off * 100 if off else None,
                "currency": currency,
                "created": created,
                "duration": duration,
                "duration_in_months": months,
            }
    return out


def coupon_id(coupons: dict[str, dict], base: str, currency: str) -> str:
    return base if base in coupons else f"{base}_{currency.upper()}"


def new_discount(disc_id: str, cpn: dict, customer: str, subscription: str, start: int) -> dict:
    months = cpn["duration_in_months"]
    return {
        "id": disc_id,
        "coupon": cpn["id"],
        "customer": customer,
        "subscription": subscription,
        "start": start,
        "end": start + months * MONTH if cpn["duration"] == "repeating" else None,
        "used": 0,
    }


def applies(disc: dict | None, cpn: dict | None, t: int) -> bool:
    """Whether ``disc`` takes money off an invoice created at ``t`` (call `used` after applying it)."""
    if not disc or not cpn or t < disc["start"]:
        return False
    if cpn["duration"] == "once":
        return disc["used"] == 0
    return disc["end"] is None or t < disc["end"]


def amount_off(cpn: dict, subtotal: int) -> int:
    if cpn["percent_off"]:
        off = Decimal(subtotal) * Decimal(str(cpn["percent_off"])) / 100
        return int(off.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return min(subtotal, cpn["amount_off"] or 0)


def still_attached(disc: dict, cpn: dict, now: int) -> bool:
    if cpn["duration"] == "once":
        return disc["used"] == 0
    return disc["end"] is None or now < disc["end"]
