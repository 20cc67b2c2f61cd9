"""Quietly cancelling and upsell rules: each fires when its definition holds, says when, and stays quiet otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.revenue import flags
from app.revenue.flags import PriceChange

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def ts(moment: datetime) -> int:
    return int(moment.timestamp())


def sub(status: str = "active", **extra) -> dict:
    period = {"current_period_start": ts(NOW - timedelta(days=10)), "current_period_end": ts(NOW + timedelta(days=20))}
    return {"id": "sub_1", "status": status, "items": {"data": [period]}, **extra}


def change(days_ago: int, before: int, after: int) -> PriceChange:
    return PriceChange("sub_1", NOW - timedelta(days=days_ago), before, after)


def test_a_subscription_set_to_cancel_at_period_end_is_flagged_from_when_it_was_requested():
    requested = NOW - timedelta(days=3)
    flag = flags.cancel_at_period_end([sub(cancel_at_period_end=True, canceled_at=ts(requested))], NOW)
    assert flag.rule == "cancel_at_period_end" and flag.at == requested and "20 Dec 2026" in flag.reason


def test_a_cancellation_already_past_or_on_a_canceled_subscription_is_not_a_quiet_one():
    assert flags.cancel_at_period_end([sub(cancel_at=ts(NOW - timedelta(days=1)))], NOW) is None
    assert flags.cancel_at_period_end([sub("canceled", cancel_at_period_end=True)], NOW) is None
    assert flags.cancel_at_period_end([sub()], NOW) is None


def test_a_downgrade_in_the_last_60_days_is_flagged_at_its_first_lower_period():
    flag = flags.downgrade([change(90, 500, 400), change(45, 400, 300)], NOW)
    assert flag.rule == "downgrade" and flag.at == NOW - timedelta(days=45) and "400" in flag.reason


def test_an_older_downgrade_or_an_upgrade_raises_no_flag():
    assert flags.downgrade([change(61, 500, 400), change(10, 400, 600)], NOW) is None


def test_two_failed_payments_in_a_row_are_flagged_at_the_second():
    attempts = [(NOW - timedelta(days=9), True), (NOW - timedelta(days=6), False), (NOW - timedelta(days=3), False)]
    flag = flags.failed_payments(attempts)
    assert flag.rule == "failed_payments" and flag.at == NOW - timedelta(days=3)


def test_a_success_between_failures_resets_the_count():
    attempts = [(NOW - timedelta(days=6), False), (NOW - timedelta(days=5), True), (NOW - timedelta(days=3), False)]
    assert flags.failed_payments(attempts) is None


def test_a_paying_client_without_an_invoice_for_its_interval_plus_seven_days_is_flagged_when_that_passed():
    last = datetime(2026, 10, 1, tzinfo=UTC)
    flag = flags.invoice_gap(True, last, ("month", 1), NOW)
    assert flag.rule == "invoice_gap" and flag.at == datetime(2026, 11, 8, tzinfo=UTC)
    assert flags.invoice_gap(True, last, ("month", 2), NOW) is None, "a two-monthly client is not late yet"
    assert flags.invoice_gap(False, last, ("month", 1), NOW) is None, "only paying clients"


def test_growth_without_an_upgrade_for_six_months_is_an_upsell_with_its_numbers():
    flag = flags.growing_without_upgrade(1000, 1500, [change(300, 800, 1000)], NOW)
    assert flag.rule == "growing_without_upgrade" and "1000" in flag.reason and "1500" in flag.reason
    assert flags.growing_without_upgrade(1000, 1500, [change(30, 800, 1000)], NOW) is None, "upgraded recently"
    assert flags.growing_without_upgrade(1500, 1500, [], NOW) is None, "no growth"


def test_a_year_paid_on_time_on_one_price_is_an_upsell():
    invoices = [(NOW - timedelta(days=30 * k), True) for k in range(12)]
    assert flags.loyal_on_same_price(NOW - timedelta(days=500), invoices, [], NOW).rule == "loyal_on_same_price"
    late = [*invoices[:-1], (NOW - timedelta(days=330), False)]
    assert flags.loyal_on_same_price(NOW - timedelta(days=500), late, [], NOW) is None
    assert flags.loyal_on_same_price(NOW - timedelta(days=500), invoices, [change(100, 500, 600)], NOW) is None
    assert flags.loyal_on_same_price(NOW - timedelta(days=200), invoices, [], NOW) is None, "not a year yet"


def test_the_invoice_gap_says_every_month_for_one_and_every_three_months_for_three():
    last = datetime(2026, 5, 1, tzinfo=UTC)
    monthly = flags.invoice_gap(True, last, ("month", 1), NOW)
    quarterly = flags.invoice_gap(True, last, ("month", 3), NOW)
    assert monthly.reason.endswith("though it is billed every month.")
    assert quarterly.reason.endswith("though it is billed every 3 months.")
    assert "(s)" not in monthly.reason + quarterly.reason


def test_a_loyal_client_with_one_invoice_reads_its_only_invoice_and_with_many_all_of_them():
    one = flags.loyal_on_same_price(NOW - timedelta(days=500), [(NOW - timedelta(days=30), True)], [], NOW)
    many = [(NOW - timedelta(days=30 * k), True) for k in range(12)]
    twelve = flags.loyal_on_same_price(NOW - timedelta(days=500), many, [], NOW)
    assert one.reason.startswith("Paid its only invoice of the last 12 months on time")
    assert twelve.reason.startswith("Paid all 12 invoices of the last 12 months on time")
