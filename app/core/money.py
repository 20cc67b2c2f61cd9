"""How amounts read: integer minor units (Stripe's convention) as money in one currency.

Here rather than in the web layer so emails (the Monday Brief) say amounts exactly as pages do.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from app.core import fx

CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "CA$", "aud": "A$"}


def money(minor_units: int | Decimal | None, currency: str = "usd", whole: bool = False) -> str:
    """Format integer minor units as money: 123456, 'usd' -> '$1,234.56' ('$1,235' with `whole`, for headlines)."""
    if minor_units is None:
        return "—"
    currency = (currency or "usd").lower()
    amount = fx.to_major(minor_units, currency)
    places = 0 if whole else fx.exponent(currency)
    if whole:
        amount = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    symbol = CURRENCY_SYMBOLS.get(currency)
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount):,.{places}f}"
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency.upper()}"


def money_in(currency: str) -> Callable[[int], str]:
    """The money filter bound to one currency, for services that write amounts into sentences."""
    return lambda minor_units: money(minor_units, currency)
