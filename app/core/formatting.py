"""Money and counted words as people read them, for pages and for the sentences services write (flags, API messages).

Here rather than in app.web so that lower layers (app.revenue's flag reasons, app.api's messages) say amounts and
counts exactly as the pages do.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from app.core import fx

CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "CA$", "aud": "A$"}


def money(minor_units: int | Decimal | None, currency: str = "usd", whole: bool = False) -> str:
    """Format integer minor units (Stripe's convention) as money: 123456, 'usd' -> '$1,234.56' ('$1,235' with
    `whole`, for headlines such as the Monday Brief's subject)."""
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


@lru_cache(maxsize=64)
def money_in(currency: str) -> Callable[[int], str]:
    """The money filter bound to one currency, for services that write amounts into sentences.

    One function per currency (cached): the revenue cache keeps sentences per formatter (app.revenue.cache).
    """
    return lambda minor_units: money(minor_units, currency)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """The word for `count` things: plural(1, "invoice") is "invoice", plural(3, "invoice") is "invoices"."""
    return singular if count == 1 else (plural_form or singular + "s")


def counted(count: int, singular: str, plural_form: str | None = None) -> str:
    """A count with its word: "1 invoice", "12 invoices"."""
    return f"{count} {plural(count, singular, plural_form)}"
