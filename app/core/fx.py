"""Fixed exchange rates for showing multi-currency revenue in one workspace currency, with Decimal arithmetic.

The rates are deliberately fixed (reviewed by hand, not fetched): totals must not drift between page loads and
tests must be exact. Each rate is the value of one unit of the currency in US dollars, as of RATES_AS_OF.
Amounts stay integer minor units (Stripe's convention) on both sides; rounding is half-even, once, at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal

RATES_AS_OF = "2026-11-01"
USD_PER_UNIT: dict[str, Decimal] = {
    "usd": Decimal("1"),
    "eur": Decimal("1.08"),
    "gbp": Decimal("1.27"),
    "cad": Decimal("0.73"),
    "aud": Decimal("0.66"),
    "nzd": Decimal("0.60"),
    "chf": Decimal("1.13"),
    "sek": Decimal("0.095"),
    "nok": Decimal("0.092"),
    "dkk": Decimal("0.145"),
    "pln": Decimal("0.25"),
    "czk": Decimal("0.043"),
    "jpy": Decimal("0.0066"),
    "inr": Decimal("0.012"),
    "sgd": Decimal("0.75"),
    "hkd": Decimal("0.128"),
    "mxn": Decimal("0.055"),
    "brl": Decimal("0.18"),
    "zar": Decimal("0.055"),
}
# Currencies whose minor unit is the unit itself (Stripe's zero-decimal list, the ones we have rates for).
ZERO_DECIMAL = frozenset({"jpy", "krw", "vnd", "clp", "isk", "ugx", "xaf", "xof"})


def exponent(currency: str) -> int:
    return 0 if currency.lower() in ZERO_DECIMAL else 2


def to_major(minor_units: int | Decimal, currency: str) -> Decimal:
    return Decimal(minor_units).scaleb(-exponent(currency))


def total_in(
    amounts: Mapping[str, int | Decimal], to_currency: str, rates: Mapping[str, Decimal] | None = None
) -> tuple[int, set[str]]:
    """Sum per-currency minor units into `to_currency`.

    Args:
        amounts: currency -> minor units (Decimal allowed, so unrounded sums are rounded only here).
        to_currency: the currency of the result.
        rates: USD per unit by currency (app.revenue.rates' table for a month); these fixed rates when None.

    Returns:
        The total, and the currencies left out because they have no rate (empty when everything converted).
    """
    # Sum in Decimal major units first so rounding happens once, not once per currency.
    table = USD_PER_UNIT if rates is None else rates
    target = to_currency.lower()
    total_usd, unknown = Decimal(0), set()
    for currency, minor in amounts.items():
        rate = table.get(currency.lower())
        if rate is None or target not in table:
            unknown.add(currency.upper())
            continue
        total_usd += to_major(minor, currency) * rate
    major = total_usd / table.get(target, Decimal(1))
    return int(major.scaleb(exponent(target)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)), unknown
