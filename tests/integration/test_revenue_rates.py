"""The monthly exchange rate table: documented defaults, an operator's rate holding until the next one, validation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.core import fx
from app.core.errors import ValidationFailed
from app.revenue import rates
from app.revenue.tables import ExchangeRate


async def test_without_operator_rates_every_month_uses_the_documented_defaults():
    assert await rates.rate_of("2025-04", "eur") == fx.USD_PER_UNIT["eur"]
    assert await rates.rate_of("2025-04", "xyz") is None


async def test_an_operator_s_rate_holds_from_its_month_until_a_later_one_replaces_it():
    await rates.set_rate("2025-03", "EUR", "1.05")
    await rates.set_rate("2025-07", "eur", Decimal("1.11"))
    tables = await rates.rate_tables(["2025-02", "2025-03", "2025-06", "2025-07", "2026-01"])
    assert [tables[m]["eur"] for m in ("2025-02", "2025-03", "2025-06", "2025-07", "2026-01")] == [
        fx.USD_PER_UNIT["eur"],
        Decimal("1.05"),
        Decimal("1.05"),
        Decimal("1.11"),
        Decimal("1.11"),
    ]
    assert tables["2025-06"]["gbp"] == fx.USD_PER_UNIT["gbp"], "other currencies keep their defaults"


async def test_setting_a_month_s_rate_again_replaces_it_and_keeps_the_decimal_exactly():
    await rates.set_rate("2025-03", "eur", "1.0799999999")
    await rates.set_rate("2025-03", "eur", "1.0712345678")
    assert await ExchangeRate.count() == 1
    assert await rates.rate_of("2025-03", "eur") == Decimal("1.0712345678")


@pytest.mark.parametrize(
    ("month", "currency", "rate", "field"),
    [
        ("2025-13", "eur", "1.1", "month"),
        ("25-01", "eur", "1.1", "month"),
        ("2025-01", "euro", "1.1", "currency"),
        ("2025-01", "eur", "abc", "usd_per_unit"),
        ("2025-01", "eur", "0", "usd_per_unit"),
        ("2025-01", "eur", "-2", "usd_per_unit"),
        ("2025-01", "eur", "NaN", "usd_per_unit"),
    ],
)
async def test_a_malformed_month_currency_or_rate_is_refused_with_the_field_named(month, currency, rate, field):
    with pytest.raises(ValidationFailed) as refused:
        await rates.set_rate(month, currency, rate)
    assert field in refused.value.errors
    assert await ExchangeRate.count() == 0


def test_a_workspace_currency_converts_through_the_month_s_table():
    table = {**fx.USD_PER_UNIT, "eur": Decimal("1.25")}
    assert fx.total_in({"usd": 12_500}, "eur", table) == (10_000, set())
    assert fx.total_in({"eur": 10_000, "usd": 100}, "usd", table) == (12_600, set())
