"""A subscription's MRR at a past moment: the stored subscription for its current period, its invoices before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.revenue.history import BilledLine, net_share, price_catalogue, price_changes, subscription_value
from app.revenue.months import label_of, points
from app.stripe_data.mrr import add_months

START = datetime(2025, 1, 10, tzinfo=UTC)
CURRENT = datetime(2025, 6, 10, tzinfo=UTC)  # the stored items' current period starts here


def ts(moment: datetime) -> int:
    return int(moment.timestamp())


def price(pid: str, amount: int, interval: str = "month", count: int = 1, usage: str = "licensed") -> dict:
    recurring = {"interval": interval, "interval_count": count, "usage_type": usage}
    return {"id": pid, "currency": "usd", "product": "prod_1", "recurring": recurring, "unit_amount": amount}


def subscription(pr: dict, quantity: int = 1, status: str = "active", **extra) -> dict:
    item = {
        "id": "si_1",
        "price": pr,
        "quantity": quantity,
        "current_period_start": ts(CURRENT),
        "current_period_end": ts(add_months(CURRENT, 1)),
    }
    return {
        "id": "sub_1",
        "status": status,
        "currency": "usd",
        "start_date": ts(START),
        "created": ts(START),
        "items": {"data": [item]},
        "discounts": [],
        **extra,
    }


def line(invoice: str, pid: str, amount: int, start: datetime, months: int = 1, **extra) -> BilledLine:
    fields = {"invoice_created": ts(start), **extra}
    return BilledLine(invoice, pid, amount, ts(start), ts(add_months(start, months)), **fields)


def monthly_lines(pid: str, amount: int, first: datetime, count: int) -> list[BilledLine]:
    return [line(f"in_{pid}_{k}", pid, amount, add_months(first, k)) for k in range(count)]


def value(sub: dict, lines: list[BilledLine], at: datetime, prices: dict | None = None) -> Decimal:
    return subscription_value(sub, lines, prices if prices is not None else price_catalogue([sub]), at)


def test_before_an_upgrade_a_month_is_valued_at_the_price_its_invoice_billed():
    old, new = price("price_old", 10_000), price("price_new", 15_000)
    sub = subscription(new)
    lines = monthly_lines("price_old", 10_000, START, 5) + [line("in_now", "price_new", 15_000, CURRENT)]
    assert value(sub, lines, datetime(2025, 3, 31, 23, 59, 59, tzinfo=UTC), price_catalogue([sub])) == 10_000
    assert value(sub, lines, datetime(2025, 6, 30, 23, 59, 59, tzinfo=UTC)) == 15_000
    assert old["id"] not in price_catalogue([sub]), "the old price is known from its invoice lines only"


def test_a_past_quantity_comes_from_its_invoice_line():
    sub = subscription(price("price_1", 2_000), quantity=5)
    lines = [line("in_1", "price_1", 2 * 2_000, datetime(2025, 3, 10, tzinfo=UTC))]
    assert value(sub, lines, datetime(2025, 3, 31, tzinfo=UTC)) == 4_000
    assert value(sub, lines, datetime(2025, 6, 30, tzinfo=UTC)) == 10_000


def test_a_past_invoice_s_discount_reduces_its_month_even_after_stripe_removed_it_from_the_subscription():
    sub = subscription(price("price_1", 10_000))
    discounted = line("in_1", "price_1", 10_000, datetime(2025, 3, 10, tzinfo=UTC), net_share=net_share(10_000, 5_000))
    assert value(sub, [discounted], datetime(2025, 3, 31, tzinfo=UTC)) == 5_000


def test_an_invoice_s_discount_is_spread_over_its_lines_in_proportion():
    assert net_share(20_000, 15_000) == Decimal("0.75")
    assert net_share(0, 0) == 1 and net_share(None, None) == 1


def test_an_annual_invoice_counts_a_twelfth_in_each_month_of_its_period():
    sub = subscription(price("price_y", 120_000, "year"))
    lines = [line("in_y", "price_y", 120_000, datetime(2024, 8, 1, tzinfo=UTC), months=12)]
    assert value(sub, lines, datetime(2025, 2, 28, tzinfo=UTC)) == 10_000


def test_a_quarterly_line_of_a_price_no_subscription_holds_takes_the_subscription_s_interval():
    sub = subscription(price("price_q2", 36_000, "month", 3))
    lines = [line("in_q", "price_q1", 30_000, datetime(2025, 3, 10, tzinfo=UTC), months=3)]
    assert value(sub, lines, datetime(2025, 4, 30, tzinfo=UTC)) == 10_000


def test_one_off_lines_without_a_price_never_count_and_a_void_invoice_gives_way_to_its_replacement():
    sub = subscription(price("price_1", 10_000))
    at = datetime(2025, 3, 31, tzinfo=UTC)
    voided = line("in_void", "price_1", 9_000, datetime(2025, 3, 10, tzinfo=UTC), invoice_void=True)
    reissued = line("in_new", "price_1", 8_000, datetime(2025, 3, 10, tzinfo=UTC))
    assert value(sub, [voided, reissued], at) == 8_000
    assert value(sub, [voided], at) == 9_000


def test_without_an_invoice_for_a_past_month_the_stored_subscription_stands_in():
    sub = subscription(price("price_1", 10_000))
    assert value(sub, [], datetime(2025, 3, 31, tzinfo=UTC)) == 10_000


def test_nothing_counts_before_the_start_or_during_a_trial():
    trial_end = datetime(2025, 2, 10, tzinfo=UTC)
    sub = subscription(price("price_1", 10_000), trial_start=ts(START), trial_end=ts(trial_end))
    lines = monthly_lines("price_1", 10_000, trial_end, 4)
    assert value(sub, lines, datetime(2024, 12, 31, tzinfo=UTC)) == 0
    assert value(sub, lines, datetime(2025, 1, 31, tzinfo=UTC)) == 0
    assert value(sub, lines, datetime(2025, 2, 28, tzinfo=UTC)) == 10_000


def test_trialing_and_incomplete_subscriptions_count_as_nothing():
    for status in ("trialing", "incomplete", "incomplete_expired"):
        sub = subscription(price("price_1", 10_000), status=status)
        assert value(sub, monthly_lines("price_1", 10_000, START, 5), datetime(2025, 3, 31, tzinfo=UTC)) == 0


def test_a_past_due_subscription_counts_until_it_is_canceled():
    sub = subscription(price("price_1", 10_000), status="past_due")
    assert value(sub, [], datetime(2025, 6, 30, tzinfo=UTC)) == 10_000
    ended = datetime(2025, 6, 20, tzinfo=UTC)
    canceled = subscription(price("price_1", 10_000), status="canceled", ended_at=ts(ended))
    assert value(canceled, [], ended - timedelta(seconds=1)) == 10_000
    assert value(canceled, [], ended) == 0


def test_a_subscription_set_to_cancel_at_period_end_counts_until_that_end():
    end = add_months(CURRENT, 1)
    sub = subscription(price("price_1", 10_000), cancel_at_period_end=True, cancel_at=ts(end))
    assert value(sub, [], end - timedelta(seconds=1)) == 10_000
    assert value(sub, [], end) == 0


def test_an_unpaid_subscription_counted_until_its_current_period_began():
    sub = subscription(price("price_1", 10_000), status="unpaid")
    lines = monthly_lines("price_1", 10_000, START, 6)
    assert value(sub, lines, CURRENT - timedelta(seconds=1)) == 10_000
    assert value(sub, lines, CURRENT) == 0


def test_a_metered_price_counts_with_its_last_closed_period_s_invoiced_amount():
    seats, usage = price("price_seat", 5_000), price("price_use", 0, usage="metered")
    sub = subscription(seats)
    sub["items"]["data"].append({**sub["items"]["data"][0], "id": "si_2", "price": usage, "quantity": None})
    lines = [
        line("in_apr", "price_use", 1_200, datetime(2025, 4, 10, tzinfo=UTC)),  # April's usage, billed 10 May
        line("in_may", "price_use", 3_400, datetime(2025, 5, 10, tzinfo=UTC)),  # May's usage, billed 10 June
    ]
    assert value(sub, lines, datetime(2025, 5, 31, tzinfo=UTC)) == 5_000 + 1_200
    assert value(sub, lines, datetime(2025, 6, 30, tzinfo=UTC)) == 5_000 + 3_400
    assert value(sub, lines, datetime(2025, 8, 31, tzinfo=UTC)) == 5_000, "usage no longer billed stops counting"


def test_month_ends_are_the_last_second_of_each_month_in_the_workspace_s_time_zone():
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    found = points(now, "America/Los_Angeles", 24)
    assert len(found) == 25 and found[-1].at == now and found[-1].is_now
    assert found[-2].label == "2026-10" and found[-2].at == datetime(2026, 11, 1, 6, 59, 59, tzinfo=UTC)
    assert found[0].label == "2024-11"
    assert label_of(datetime(2026, 12, 1, 5, 0, tzinfo=UTC), "America/Los_Angeles") == "2026-11"


def test_price_changes_are_read_from_consecutive_invoices_before_discounts():
    sub = subscription(price("price_new", 15_000))
    lines = [
        line("in_1", "price_old", 10_000, datetime(2025, 3, 10, tzinfo=UTC), net_share=Decimal("0.5")),
        line("in_2", "price_old", 10_000, datetime(2025, 4, 10, tzinfo=UTC)),  # the coupon ended: no change
        line("in_3", "price_old", 20_000, datetime(2025, 5, 10, tzinfo=UTC)),  # two seats
        line("in_4", "price_new", 15_000, CURRENT),
    ]
    assert price_changes(sub, lines, price_catalogue([sub])) == [
        (ts(datetime(2025, 5, 10, tzinfo=UTC)), 10_000, 20_000),
        (ts(CURRENT), 20_000, 15_000),
    ]


def test_a_change_not_billed_yet_is_read_from_the_stored_items():
    sub = subscription(price("price_1", 10_000), quantity=3)
    lines = [line("in_1", "price_1", 10_000, CURRENT)]
    assert price_changes(sub, lines, price_catalogue([sub])) == [(ts(CURRENT), 10_000, 30_000)]
