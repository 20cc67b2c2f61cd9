"""Credit pricing's money rules: reading a Cost per Credit, the Final Client Price, and whole credits per pack."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import settings
from app.credit_pricing import rules
from app.credit_pricing.rules import PriceInputError, credits_per_pack, final_price, format_price, parse_cost_per_credit

PLATFORM = Decimal("0.001")
# Any price a credit can have: 0.000001 to 10, in millionths of a dollar.
PRICES = st.integers(min_value=1, max_value=10_000_000).map(lambda micros: Decimal(micros) / rules.MICROS)


def test_the_guides_example_comes_out_exactly():
    price = final_price(PLATFORM, parse_cost_per_credit("0.003"))
    assert price == Decimal("0.004") and format_price(price) == "$0.004"
    assert [pack.label for pack in rules.packs(price)] == [
        "$10 = 2,500 credits",
        "$25 = 6,250 credits",
        "$50 = 12,500 credits",
        "$100 = 25,000 credits",
    ]


@given(pack=st.sampled_from(rules.PACKS_USD), price=PRICES)
def test_a_pack_buys_the_whole_credits_it_pays_for_and_not_one_more(pack, price):
    credits = credits_per_pack(pack, price)
    assert credits * price <= pack < (credits + 1) * price


@given(micros=st.integers(min_value=0, max_value=9_999_999))
def test_any_cost_with_six_decimals_reads_back_as_the_same_decimal(micros):
    cost = Decimal(micros) / rules.MICROS
    text = rules.to_text(cost)
    assert "E" not in text and parse_cost_per_credit(text) == cost


def test_credits_are_rounded_down_to_a_whole_credit():
    assert credits_per_pack(10, Decimal("0.003")) == 3333  # 3333.33…: the third of a credit is not sold
    assert credits_per_pack(10, Decimal("0.000001")) == 10_000_000
    assert credits_per_pack(10, Decimal("10")) == 1


@pytest.mark.parametrize("price", [Decimal(0), Decimal("-0.001"), Decimal("0.0000001")])
def test_a_credit_price_of_zero_or_below_a_millionth_is_never_divided_by(price):
    with pytest.raises(ValueError, match="above 0 with at most 6 decimals"):
        credits_per_pack(10, price)
    assert rules.packs(Decimal(0)) == ()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.003", Decimal("0.003")),
        (" $0.003 ", Decimal("0.003")),
        ("0", Decimal(0)),
        ("0.000001", Decimal("0.000001")),
        ("0.0030000", Decimal("0.003")),  # trailing zeros are not decimal places of the price
        (".5", Decimal("0.5")),
        ("9.999", Decimal("9.999")),
    ],
)
def test_it_reads_plain_decimals_with_up_to_six_places(raw, expected):
    assert parse_cost_per_credit(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter a cost per credit, like 0.003"),
        ("   ", "Enter a cost per credit, like 0.003"),
        (None, "Enter a cost per credit, like 0.003"),
        ("-0.003", "can't be negative"),
        ("abc", "Enter a number of dollars, like 0.003"),
        ("1e3", "plain decimal, like 0.003 (1e3 is scientific notation)"),
        ("1E-3", "scientific notation"),
        ("0.0000001", "at most 6 decimal places"),
        ("1,5", "digits and one decimal point"),
        ("NaN", "digits and one decimal point"),
        ("Infinity", "digits and one decimal point"),
        ("1_000", "digits and one decimal point"),
        ("١", "digits and one decimal point"),  # an Arabic-Indic digit: Decimal() would take it
        (".", "digits and one decimal point"),
        ("0." + "0" * 40 + "3", "too long for a price"),
    ],
)
def test_it_refuses_what_is_not_a_price_with_a_message_saying_what_to_fix(raw, message):
    with pytest.raises(PriceInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_cost_per_credit(raw)


def test_a_cost_making_a_credit_dearer_than_the_smallest_pack_is_refused_as_absurd():
    assert final_price(PLATFORM, Decimal("9.999")) == Decimal(10)
    with pytest.raises(PriceInputError, match=r"the \$10 pack would buy nothing. Enter at most \$9.999 "):
        final_price(PLATFORM, Decimal("9.999001"))
    with pytest.raises(PriceInputError, match="more than"):
        final_price(PLATFORM, parse_cost_per_credit("1000"))


def test_a_free_credit_is_refused_when_the_platform_price_is_zero_too():
    assert final_price(PLATFORM, Decimal(0)) == PLATFORM
    with pytest.raises(PriceInputError, match="credits free"):
        final_price(Decimal(0), Decimal(0))


@pytest.mark.parametrize(
    ("value", "shown"),
    [("0.004", "$0.004"), ("0.000001", "$0.000001"), ("1", "$1.00"), ("0.25", "$0.25"), ("0", "$0.00")],
)
def test_prices_read_as_dollars_with_at_least_cents_and_never_an_exponent(value, shown):
    assert format_price(Decimal(value)) == shown


def test_the_platform_price_setting_stays_below_the_smallest_pack():
    assert settings.PLATFORM_PRICE_CEILING == rules.MAX_FINAL_PRICE == min(rules.PACKS_USD)


@pytest.mark.parametrize(
    ("platform_price", "credits", "amount_minor", "fee"),
    [
        ("0.001", 2500, 1000, 250),  # the guide's $10 pack
        ("0.001", 2505, 1000, 251),  # 250.5 cents rounds half up
        ("0.000001", 4, 1000, 0),  # a share under half a cent is no fee
        ("0.01", 2500, 1000, 1000),  # never more than the sale
    ],
)
def test_the_platforms_share_is_its_price_times_the_credits_in_cents_half_up_and_at_most_the_sale(
    platform_price, credits, amount_minor, fee
):
    assert rules.application_fee_minor(Decimal(platform_price), credits, amount_minor) == fee
