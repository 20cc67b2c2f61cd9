"""MRR of one subscription at a moment, from objects in the pinned API version's shape (2026-10-28.endive).

Field names follow stripe.Subscription, stripe.SubscriptionItem, stripe.Price, stripe.Discount (coupon under
`source.coupon`) and stripe.Coupon; nothing here reads a field that version removed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.stripe_data.mrr import add_months, discount_active, monthly_amount, monthly_exact

START = datetime(2026, 1, 15, tzinfo=UTC)
NOW = datetime(2026, 6, 20, tzinfo=UTC)


def ts(moment: datetime) -> int:
    return int(moment.timestamp())


def price(amount: int, interval: str = "month", count: int = 1, **extra) -> dict:
    return {
        "id": "price_1",
        "object": "price",
        "billing_scheme": "per_unit",
        "currency": "usd",
        "product": "prod_1",
        "recurring": {
            "interval": interval,
            "interval_count": count,
            "meter": None,
            "trial_period_days": None,
            "usage_type": "licensed",
        },
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring",
        "unit_amount": amount,
        "unit_amount_decimal": str(amount),
        **extra,
    }


def item(pr: dict, quantity: int | None = 1, discounts: list | None = None) -> dict:
    return {
        "id": "si_1",
        "object": "subscription_item",
        "current_period_start": ts(START),
        "current_period_end": ts(add_months(START, 1)),
        "discounts": discounts or [],
        "price": pr,
        "quantity": quantity,
        "subscription": "sub_1",
    }


def coupon(
    percent_off: float | None = None,
    amount_off: int | None = None,
    duration: str = "forever",
    months: int | None = None,
    **extra,
) -> dict:
    return {
        "id": "CPN",
        "object": "coupon",
        "amount_off": amount_off,
        "currency": "usd" if amount_off else None,
        "duration": duration,
        "duration_in_months": months,
        "percent_off": percent_off,
        "valid": True,
        **extra,
    }


def discount(cpn: dict | str, start: datetime = START, end: datetime | None = None) -> dict:
    return {
        "id": "di_1",
        "object": "discount",
        "customer": "cus_1",
        "end": ts(end) if end else None,
        "source": {"coupon": cpn, "type": "coupon"},
        "start": ts(start),
        "subscription": "sub_1",
    }


def sub(*items: dict, status: str = "active", discounts: list | None = None, **extra) -> dict:
    return {
        "id": "sub_1",
        "object": "subscription",
        "status": status,
        "currency": "usd",
        "created": ts(START),
        "start_date": ts(START),
        "cancel_at": None,
        "cancel_at_period_end": False,
        "ended_at": None,
        "trial_start": None,
        "trial_end": None,
        "discounts": discounts or [],
        "items": {"object": "list", "data": list(items), "has_more": False},
        **extra,
    }


@pytest.mark.parametrize(
    ("interval", "count", "amount", "monthly"),
    [
        ("month", 1, 10_000, 10_000),
        ("month", 3, 30_000, 10_000),  # quarterly
        ("month", 6, 60_000, 10_000),
        ("year", 1, 120_000, 10_000),
        ("year", 2, 240_000, 10_000),
        ("week", 1, 1_200, 5_200),  # 1,200 × 52 / 12
        ("week", 2, 2_400, 5_200),
        ("day", 1, 100, 3_042),  # 100 × 365 / 12 = 3,041.67
        ("day", 7, 700, 3_042),
    ],
)
def test_every_interval_and_interval_count_is_normalised_to_a_month(interval, count, amount, monthly):
    assert monthly_amount(sub(item(price(amount, interval, count))), NOW) == monthly


def test_quantity_multiplies_and_items_add_up():
    assert monthly_amount(sub(item(price(2_500), quantity=4)), NOW) == 10_000
    assert monthly_amount(sub(item(price(2_500), quantity=4), item(price(120_000, "year"))), NOW) == 20_000
    assert monthly_amount(sub(item(price(2_500), quantity=0)), NOW) == 0


def test_a_sub_cent_decimal_price_is_kept_until_the_single_rounding_at_the_end():
    pr = price(0, unit_amount_decimal="0.5")
    assert monthly_exact(sub(item(pr, quantity=3)), NOW) == Decimal("1.5")
    assert monthly_amount(sub(item(pr, quantity=3)), NOW) == 2  # half-up, once


def test_rounding_is_half_up_once_on_the_total_not_per_item():
    third = price(100, "month", 3)  # 33.33… each
    assert monthly_amount(sub(item(third), item(third), item(third)), NOW) == 100
    assert monthly_amount(sub(item(price(1, "month", 2))), NOW) == 1  # 0.5 rounds up


def test_percent_off_is_the_same_share_of_monthly_and_annual_prices():
    off = [discount(coupon(percent_off=25))]
    assert monthly_amount(sub(item(price(10_000)), discounts=off), NOW) == 7_500
    assert monthly_amount(sub(item(price(120_000, "year")), discounts=off), NOW) == 7_500
    assert monthly_amount(sub(item(price(10_000)), discounts=[discount(coupon(percent_off=12.5))]), NOW) == 8_750


def test_amount_off_comes_off_each_invoice_so_an_annual_price_loses_a_twelfth_of_it_per_month():
    off = [discount(coupon(amount_off=12_000))]
    assert monthly_amount(sub(item(price(120_000, "year")), discounts=off), NOW) == 9_000  # (1,200 − 120) / 12
    assert monthly_amount(sub(item(price(20_000)), discounts=off), NOW) == 8_000
    assert monthly_amount(sub(item(price(30_000, "month", 3)), discounts=off), NOW) == 6_000  # (300 − 120) / 3


def test_an_amount_off_larger_than_the_price_leaves_zero_not_a_negative():
    assert monthly_amount(sub(item(price(5_000)), discounts=[discount(coupon(amount_off=9_000))]), NOW) == 0


def test_a_once_coupon_covers_the_first_billing_period_only():
    once = [discount(coupon(percent_off=50, duration="once"))]
    monthly = sub(item(price(10_000)), discounts=once)
    assert monthly_amount(monthly, datetime(2026, 2, 1, tzinfo=UTC)) == 5_000  # first month
    assert monthly_amount(monthly, datetime(2026, 2, 15, tzinfo=UTC)) == 10_000  # second invoice: full price
    annual = sub(item(price(120_000, "year")), discounts=once)
    assert monthly_amount(annual, datetime(2026, 12, 1, tzinfo=UTC)) == 5_000  # the first invoice was the year
    assert monthly_amount(annual, datetime(2027, 1, 15, tzinfo=UTC)) == 10_000


def test_a_repeating_coupon_lasts_its_months_from_the_discount_start_when_stripe_sent_no_end():
    cpn = coupon(percent_off=50, duration="repeating", months=3)
    s = sub(item(price(10_000)), discounts=[discount(cpn, start=datetime(2026, 3, 31, tzinfo=UTC))])
    assert monthly_amount(s, datetime(2026, 3, 30, tzinfo=UTC)) == 10_000  # before the discount started
    assert monthly_amount(s, datetime(2026, 3, 31, tzinfo=UTC)) == 5_000
    assert monthly_amount(s, datetime(2026, 6, 29, 23, 59, tzinfo=UTC)) == 5_000
    assert monthly_amount(s, datetime(2026, 6, 30, tzinfo=UTC)) == 10_000  # 31 March + 3 months = 30 June


def test_the_discount_end_stripe_sends_wins_over_the_coupon_duration():
    cpn = coupon(percent_off=50, duration="repeating", months=12)
    s = sub(item(price(10_000)), discounts=[discount(cpn, end=datetime(2026, 5, 1, tzinfo=UTC))])
    assert monthly_amount(s, datetime(2026, 4, 30, tzinfo=UTC)) == 5_000
    assert monthly_amount(s, datetime(2026, 5, 1, tzinfo=UTC)) == 10_000


def test_a_forever_coupon_never_ends_but_does_not_apply_before_it_started():
    s = sub(item(price(10_000)), discounts=[discount(coupon(amount_off=1_000), start=datetime(2026, 4, 1, tzinfo=UTC))])
    assert monthly_amount(s, datetime(2026, 3, 1, tzinfo=UTC)) == 10_000
    assert monthly_amount(s, datetime(2036, 3, 1, tzinfo=UTC)) == 9_000


def test_several_discounts_apply_in_the_order_listed():
    listed = [discount(coupon(percent_off=10)), discount(coupon(amount_off=1_000))]
    assert monthly_amount(sub(item(price(10_000)), discounts=listed), NOW) == 8_000  # 100 × 0.9 − 10
    assert monthly_amount(sub(item(price(10_000)), discounts=listed[::-1]), NOW) == 8_100  # (100 − 10) × 0.9


def test_an_item_discount_reduces_its_own_item_before_the_subscription_discount():
    design = item(price(10_000), discounts=[discount(coupon(amount_off=2_000))])
    hosting = item(price(5_000))
    assert monthly_amount(sub(design, hosting), NOW) == 13_000
    assert monthly_amount(sub(design, hosting, discounts=[discount(coupon(percent_off=50))]), NOW) == 6_500


def test_a_coupon_limited_to_some_products_leaves_the_others_alone():
    design, hosting = item(price(10_000, product="prod_design")), item(price(5_000, product="prod_hosting"))
    only_design = coupon(percent_off=50, applies_to={"products": ["prod_design"]})
    assert monthly_amount(sub(design, hosting, discounts=[discount(only_design)]), NOW) == 10_000


def test_an_unexpanded_coupon_is_read_from_the_lookup_and_otherwise_not_guessed():
    s = sub(item(price(10_000)), discounts=[discount("CPN")])
    assert monthly_amount(s, NOW, coupons={"CPN": coupon(percent_off=20)}) == 8_000
    assert monthly_amount(s, NOW) == 10_000
    assert monthly_amount(sub(item(price(10_000)), discounts=["di_unexpanded"]), NOW) == 10_000


def test_an_amount_off_in_another_currency_uses_the_coupons_currency_options():
    cpn = coupon(amount_off=1_000, currency="eur", currency_options={"usd": {"amount_off": 1_500}})
    assert monthly_amount(sub(item(price(10_000)), discounts=[discount(cpn)]), NOW) == 8_500


@pytest.mark.parametrize(
    ("status", "counts"),
    [
        ("active", True),
        ("past_due", True),
        ("trialing", False),
        ("incomplete", False),
        ("incomplete_expired", False),
        ("canceled", False),
        ("unpaid", False),
        ("paused", False),
    ],
)
def test_only_active_and_past_due_subscriptions_count(status, counts):
    assert monthly_amount(sub(item(price(10_000)), status=status), NOW) == (10_000 if counts else 0)


def test_a_trial_counts_as_nothing_until_it_ends():
    s = sub(item(price(10_000)), trial_start=ts(START), trial_end=ts(datetime(2026, 1, 29, tzinfo=UTC)))
    assert monthly_amount(s, datetime(2026, 1, 20, tzinfo=UTC)) == 0
    assert monthly_amount(s, datetime(2026, 1, 29, tzinfo=UTC)) == 10_000


def test_nothing_counts_before_the_subscription_starts():
    assert monthly_amount(sub(item(price(10_000))), datetime(2026, 1, 1, tzinfo=UTC)) == 0


def test_cancel_at_period_end_counts_until_the_period_ends():
    s = sub(item(price(10_000)), cancel_at_period_end=True)
    period_end = add_months(START, 1)
    assert monthly_amount(s, datetime(2026, 2, 14, 23, tzinfo=UTC)) == 10_000
    assert monthly_amount(s, period_end) == 0
    scheduled = sub(item(price(10_000)), cancel_at=ts(datetime(2026, 9, 1, tzinfo=UTC)))
    assert monthly_amount(scheduled, NOW) == 10_000
    assert monthly_amount(scheduled, datetime(2026, 9, 1, tzinfo=UTC)) == 0


def test_a_canceled_subscription_counted_at_a_moment_before_it_ended_for_history():
    s = sub(item(price(10_000)), status="canceled", ended_at=ts(datetime(2026, 5, 1, tzinfo=UTC)))
    assert monthly_amount(s, datetime(2026, 4, 30, tzinfo=UTC)) == 10_000
    assert monthly_amount(s, NOW) == 0


def test_a_metered_price_counts_as_zero_here():
    metered = price(500)
    metered["recurring"]["usage_type"] = "metered"
    assert monthly_amount(sub(item(metered, quantity=None), item(price(10_000))), NOW) == 10_000


def test_graduated_and_volume_tiers_are_priced_by_their_tiers():
    tiers = [
        {"up_to": 5, "unit_amount": 1_000, "flat_amount": 500},
        {"up_to": None, "unit_amount": 800, "flat_amount": None},
    ]
    graduated = price(
        0, billing_scheme="tiered", tiers_mode="graduated", tiers=tiers, unit_amount=None, unit_amount_decimal=None
    )
    assert monthly_amount(sub(item(graduated, quantity=7)), NOW) == 5 * 1_000 + 500 + 2 * 800
    volume = {**graduated, "tiers_mode": "volume"}
    assert monthly_amount(sub(item(volume, quantity=7)), NOW) == 7 * 800
    assert monthly_amount(sub(item(volume, quantity=3)), NOW) == 3 * 1_000 + 500


def test_a_transformed_quantity_is_divided_and_rounded_as_stripe_bills_it():
    per_ten = price(1_000, transform_quantity={"divide_by": 10, "round": "up"})
    assert monthly_amount(sub(item(per_ten, quantity=21)), NOW) == 3_000


def test_the_once_period_of_an_end_of_month_start_clamps_to_the_shorter_month():
    cpn = coupon(percent_off=50, duration="once")
    jan31 = datetime(2026, 1, 31, tzinfo=UTC)
    assert add_months(jan31, 1) == datetime(2026, 2, 28, tzinfo=UTC)
    recurring = {"interval": "month", "interval_count": 1}
    assert discount_active(discount(cpn, start=jan31), cpn, datetime(2026, 2, 27, tzinfo=UTC), recurring)
    assert not discount_active(discount(cpn, start=jan31), cpn, datetime(2026, 2, 28, tzinfo=UTC), recurring)


intervals = st.sampled_from([("month", 1), ("month", 3), ("year", 1), ("week", 1), ("week", 2), ("day", 1)])
amounts = st.integers(min_value=0, max_value=10**9)
percents = st.decimals(min_value=0, max_value=100, places=2)


@given(amounts, intervals, st.integers(0, 1_000), percents, st.integers(0, 10**9))
def test_mrr_is_never_negative_and_never_above_the_undiscounted_price(amount, interval, quantity, percent, off):
    plain = sub(item(price(amount, *interval), quantity=quantity))
    discounted = {
        **plain,
        "discounts": [discount(coupon(percent_off=float(percent))), discount(coupon(amount_off=off))],
    }
    assert 0 <= monthly_amount(discounted, NOW) <= monthly_amount(plain, NOW)


@given(amounts, intervals, st.integers(0, 1_000))
def test_a_zero_percent_coupon_is_no_discount(amount, interval, quantity):
    plain = sub(item(price(amount, *interval), quantity=quantity))
    assert monthly_amount({**plain, "discounts": [discount(coupon(percent_off=0))]}, NOW) == monthly_amount(plain, NOW)


@given(amounts, intervals, st.integers(0, 1_000), st.integers(1, 50))
def test_scaling_the_quantity_scales_the_exact_mrr(amount, interval, quantity, factor):
    one = monthly_exact(sub(item(price(amount, *interval), quantity=quantity)), NOW)
    scaled = monthly_exact(sub(item(price(amount, *interval), quantity=quantity * factor)), NOW)
    assert abs(scaled - one * factor) <= one * factor * Decimal("1e-25")  # up to Decimal's 28 digits
