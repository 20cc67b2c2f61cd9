"""The monthly exchange rate table that revenue history converts currencies with, and how the operator edits it.

A rate is the value of one unit of a currency in US dollars (as in app.core.fx), for a calendar month "YYYY-MM".
The rate of currency C in month M is, in order:
1. the operator's row for (M, C);
2. else the operator's latest row for C before M (a rate set once holds until it is changed);
3. else the documented default, app.core.fx.USD_PER_UNIT[C] (fixed, reviewed by hand; see RATES_AS_OF there).
So a workspace sees stable history with no setup, and an operator who records each month's rate gets history
converted at the rates of its own months. Rates are Decimals, stored as text, never floats.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from app.core import fx
from app.core.errors import ValidationFailed
from app.core.timeutil import utcnow
from app.revenue.tables import ExchangeRate

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MAX_RATE = Decimal(1_000_000)


def _checked(month: str, currency: str, usd_per_unit: Decimal | str) -> tuple[str, str, Decimal]:
    if not _MONTH.match(month or ""):
        raise ValidationFailed({"month": "Give the month as YYYY-MM."})
    currency = (currency or "").strip().lower()
    if not re.fullmatch(r"[a-z]{3}", currency):
        raise ValidationFailed({"currency": "Give a three-letter currency code."})
    try:
        rate = Decimal(str(usd_per_unit).strip())
    except InvalidOperation:
        raise ValidationFailed({"usd_per_unit": "Give the rate as a decimal number, e.g. 1.08."}) from None
    if not rate.is_finite() or rate <= 0 or rate > MAX_RATE:
        raise ValidationFailed({"usd_per_unit": "The rate must be a positive number of US dollars per unit."})
    return month, currency, rate


async def set_rate(month: str, currency: str, usd_per_unit: Decimal | str) -> Decimal:
    """Record the rate of `currency` from `month` on (replacing that month's row if there is one).

    Args:
        month: "YYYY-MM".
        currency: three-letter code, any case.
        usd_per_unit: US dollars one unit is worth, as a Decimal or decimal text.

    Returns:
        The rate as stored.

    Raises:
        ValidationFailed: on a malformed month, currency or rate.
    """
    month, currency, rate = _checked(month, currency, usd_per_unit)
    now = utcnow()
    existing = await ExchangeRate.select(ExchangeRate.id).where(
        (ExchangeRate.month == month) & (ExchangeRate.currency == currency)
    )
    if existing:
        await ExchangeRate.update({ExchangeRate.usd_per_unit: str(rate), ExchangeRate.updated_at: now}).where(
            ExchangeRate.id == existing[0]["id"]
        )
    else:
        await ExchangeRate.insert(
            ExchangeRate(month=month, currency=currency, usd_per_unit=str(rate), updated_at=now)
        ).on_conflict(action="DO NOTHING")
    return rate


async def rate_of(month: str, currency: str) -> Decimal | None:
    """The rate `month` uses for `currency` by the module's rules (None: no row and no default)."""
    return (await rate_tables([month])).get(month, {}).get(currency.lower())


def resolve(rows: Iterable[dict], months: Iterable[str]) -> dict[str, dict[str, Decimal]]:
    """month -> currency -> rate for each of `months`, from the operator's rows and the defaults (pure)."""
    by_currency: dict[str, list[tuple[str, Decimal]]] = {}
    for row in rows:
        by_currency.setdefault(row["currency"], []).append((row["month"], Decimal(row["usd_per_unit"])))
    for history in by_currency.values():
        history.sort()
    out = {}
    for month in months:
        table = dict(fx.USD_PER_UNIT)
        for currency, history in by_currency.items():
            set_before = [rate for since, rate in history if since <= month]
            if set_before:
                table[currency] = set_before[-1]
        out[month] = table
    return out


async def rate_tables(months: Iterable[str]) -> dict[str, dict[str, Decimal]]:
    """The rate table of each month (one query for all of them).

    Args:
        months: "YYYY-MM" labels.

    Returns:
        month -> currency -> USD per unit.
    """
    months = list(months)
    rows = await ExchangeRate.select(ExchangeRate.month, ExchangeRate.currency, ExchangeRate.usd_per_unit).where(
        ExchangeRate.month <= max(months, default="")
    )
    return resolve(rows, months)
