"""Money is formatted from integer minor units, never floats."""

from decimal import Decimal

from app.web.templating import money


def test_it_formats_minor_units_with_the_currency_symbol():
    assert money(123456, "usd") == "$1,234.56"
    assert money(-995, "eur") == "-€9.95"
    assert money(500, "jpy") == "500 JPY"
    assert money(Decimal("250"), "gbp") == "£2.50"


def test_it_shows_a_dash_when_there_is_no_amount():
    assert money(None) == "—"


def test_it_knows_the_same_zero_decimal_currencies_as_the_exchange_rates():
    from app.core import fx

    for currency in fx.ZERO_DECIMAL:
        assert money(123456, currency) == f"123,456 {currency.upper()}"
        assert fx.to_major(123456, currency) == 123456


def test_a_headline_amount_is_rounded_to_whole_units_half_up():
    assert money(4821049, "usd", whole=True) == "$48,210"
    assert money(4821050, "usd", whole=True) == "$48,211"
    assert money(-150, "eur", whole=True) == "-€2"
    assert money(500, "jpy", whole=True) == "500 JPY"
