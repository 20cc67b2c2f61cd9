"""The money rules of credit pricing, in Decimal: reading a Cost per Credit, the Final Client Price, and the packs.

- **Cost per Credit** (the agency's, on top of the platform's price): dollars, written as plain decimal text
  ("0.003", "$0.003", "0", ".5"), at least 0, at most 6 decimal places (trailing zeros don't count: "0.0030000" is
  0.003). Scientific notation ("1e3") is refused with its own message rather than read as 1000: a price is typed by
  a person, and "1e3" is far more likely a slip than a thousand dollars.
- **Final Client Price** per credit = platform price per credit + Cost per Credit, exactly (both have at most 6
  decimal places, so the sum has too).
- **At most $10 a credit** (MAX_FINAL_PRICE, the smallest pack): above it the $10 pack would buy no credit at all,
  so a higher cost is refused as absurd; the message names the most the agency can enter.
- **A final price of $0** (platform price 0 and cost 0) is refused when saving: every pack would buy unlimited
  credits. `credits_per_pack` never divides by zero; it raises instead.
- **Credits per pack** = the pack's dollars ÷ the final price, **rounded down to a whole credit**: a client never
  gets a credit they didn't fully pay for, and the rest (less than one credit's price) stays unspent. So for
  credits = credits_per_pack(pack, price): credits × price ≤ pack < (credits + 1) × price.
  The guide's example: 0.001 + 0.003 = 0.004 a credit, and $10 = 2,500 credits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Client-facing credit packs, in whole dollars, smallest first.
PACKS_USD: tuple[int, ...] = (10, 25, 50, 100)
MAX_DECIMAL_PLACES = 6
MAX_FINAL_PRICE = Decimal(PACKS_USD[0])
# Longer than any price with 6 decimal places under $10 ("$ 9.999999" and some spaces): refused before parsing.
MAX_INPUT_LENGTH = 32
MICROS = Decimal(10) ** MAX_DECIMAL_PLACES

_PLAIN = re.compile(r"([0-9]+)?(?:\.([0-9]*))?")
_SCIENTIFIC = re.compile(r"[0-9.]+[eE][+-]?[0-9]+")


class PriceInputError(ValueError):
    """A Cost per Credit the rules refuse; `str(error)` is the message for the person who typed it."""


@dataclass(frozen=True)
class Pack:
    """A pack as a client sees it: "$10 = 2,500 credits"."""

    usd: int
    credits: int

    @property
    def label(self) -> str:
        noun = "credit" if self.credits == 1 else "credits"
        return f"${self.usd:,} = {self.credits:,} {noun}"


def format_price(value: Decimal) -> str:
    """Dollars per credit for people: $0.004, $0.000001, $1.00, $0.25 (at least cents, never an exponent)."""
    text = format(value.quantize(Decimal(1) / MICROS), "f").rstrip("0")
    whole, _, fraction = text.partition(".")
    return f"${whole}.{fraction.ljust(2, '0')}"


def to_text(value: Decimal) -> str:
    """Decimal text for storage, without trailing zeros or an exponent: 0.003, 0.000001, 10."""
    return format(value.normalize(), "f")


def parse_cost_per_credit(raw: str | None) -> Decimal:
    """The Cost per Credit in `raw`, or PriceInputError saying what to fix. The range against the platform price
    (the $10 ceiling, a free credit) is checked by `final_price`."""
    text = (raw or "").strip()
    if len(text) > MAX_INPUT_LENGTH:
        raise PriceInputError("That's too long for a price. Enter dollars per credit, like 0.003.")
    text = text.removeprefix("$").strip()
    if not text:
        raise PriceInputError("Enter a cost per credit, like 0.003 (or 0 to add nothing on top of our price).")
    if text.startswith("-"):
        raise PriceInputError("The cost per credit can't be negative. Enter 0 or more, like 0.003.")
    if _SCIENTIFIC.fullmatch(text):
        raise PriceInputError(f"Write the price as a plain decimal, like 0.003 ({text} is scientific notation).")
    match = _PLAIN.fullmatch(text)
    if not match or not (match.group(1) or match.group(2)):
        raise PriceInputError("Enter a number of dollars, like 0.003: digits and one decimal point.")
    if len((match.group(2) or "").rstrip("0")) > MAX_DECIMAL_PLACES:
        raise PriceInputError(
            f"Use at most {MAX_DECIMAL_PLACES} decimal places: the smallest step is $0.000001 a credit."
        )
    return Decimal(text)


def final_price(platform_price: Decimal, cost_per_credit: Decimal) -> Decimal:
    """The Final Client Price per credit, or PriceInputError when it would be $0 or over MAX_FINAL_PRICE."""
    price = platform_price + cost_per_credit
    if price > MAX_FINAL_PRICE:
        most = max(MAX_FINAL_PRICE - platform_price, Decimal(0))
        raise PriceInputError(
            f"That's more than {format_price(MAX_FINAL_PRICE)} a credit with our price, so the "
            f"${PACKS_USD[0]} pack would buy nothing. Enter at most {format_price(most)} "
            "(check the decimal point: $0.003 is three tenths of a cent)."
        )
    if price <= 0:
        raise PriceInputError(
            "With our price at $0, a cost of $0 would make credits free and every pack unlimited. "
            "Enter a cost above 0, like 0.003."
        )
    return price


def credits_per_pack(pack_usd: int | Decimal, price: Decimal) -> int:
    """Whole credits `pack_usd` dollars buy at `price` a credit, rounded down (see the module's docstring).

    Computed in integer millionths of a dollar, so no division is ever rounded before the floor.

    Raises:
        ValueError: a price of 0 or less (a pack would buy unlimited credits), or one with more than 6 decimals.
    """
    price_micros = price * MICROS
    if price_micros <= 0 or price_micros != price_micros.to_integral_value():
        raise ValueError(f"a credit price must be above 0 with at most {MAX_DECIMAL_PLACES} decimals, got {price}")
    return int(Decimal(pack_usd) * MICROS) // int(price_micros)


def packs(price: Decimal) -> tuple[Pack, ...]:
    """Every pack at `price` a credit (no packs when the price is 0: see `final_price`)."""
    if price <= 0:
        return ()
    return tuple(Pack(usd=usd, credits=credits_per_pack(usd, price)) for usd in PACKS_USD)


def application_fee_minor(platform_price: Decimal, credits: int, amount_minor: int) -> int:
    """The platform's share of a sale of `credits` in cents: its price per credit × credits, rounded half up, and
    never more than the sale itself (`amount_minor`). A pack and an auto-recharge take it alike."""
    fee = (platform_price * credits * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return min(int(fee), amount_minor)
