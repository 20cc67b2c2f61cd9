"""MRR movements by client and month, and churn and retention rates, against their definitions."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.revenue.movements import Kind, client_movements, kind_of, monthly


def test_a_client_going_from_zero_to_paying_for_the_first_time_is_new():
    assert kind_of(0, 500, paid_before=False) is Kind.new


def test_a_client_paying_again_after_churning_is_a_reactivation():
    assert client_movements([500, 0, 0, 700]) == [Kind.churn, None, Kind.reactivation]


def test_paying_more_is_expansion_and_less_is_contraction():
    assert client_movements([500, 800, 300]) == [Kind.expansion, Kind.contraction]


def test_dropping_to_zero_is_churn_and_an_unchanged_month_is_no_movement():
    assert client_movements([500, 500, 0, 0]) == [None, Kind.churn, None]


def test_a_client_at_zero_at_the_first_point_starts_as_new_not_reactivated():
    assert client_movements([0, 0, 300]) == [None, Kind.new]


def test_each_movement_carries_the_signed_change_of_its_client():
    (month,) = monthly(["2026-01", "2026-02"], {"a": [500, 0], "b": [200, 350], "c": [0, 90], "d": [400, 100]})
    assert {(m.client, m.kind, m.amount) for m in month.movements} == {
        ("a", Kind.churn, -500),
        ("b", Kind.expansion, 150),
        ("c", Kind.new, 90),
        ("d", Kind.contraction, -300),
    }


def test_churn_and_retention_match_their_definitions_on_a_small_agency():
    # Four clients paying 1,000 + 2,000 + 3,000 + 4,000 = 10,000 at the start of March.
    clients = {
        "acme": [1000, 1000, 0],  # churns in March
        "bluebird": [2000, 2000, 2500],  # expands by 500
        "copper": [3000, 3000, 2000],  # contracts by 1,000
        "drift": [4000, 4000, 4000],
        "evergreen": [0, 0, 700],  # new: not in the cohort paying at the start
    }
    february, march = monthly(["2026-01", "2026-02", "2026-03"], clients)
    assert february.movements == [] and february.logo_churn == 0 and february.net_revenue_retention == 1
    assert march.mrr_at_start == 10_000 and march.paying_at_start == 4
    assert march.logo_churn == Decimal(1) / 4
    assert march.revenue_churn == Decimal(1000 + 1000) / 10_000
    assert march.net_revenue_retention == Decimal(10_000 + 500 - 1000 - 1000) / 10_000
    assert march.net_change == march.mrr_at_end - march.mrr_at_start == 9200 - 10_000


def test_rates_are_undefined_when_nobody_paid_at_the_start_of_the_month():
    (month,) = monthly(["2026-01", "2026-02"], {"a": [0, 400]})
    assert (month.logo_churn, month.revenue_churn, month.net_revenue_retention) == (None, None, None)


def _expected_kind(history: list[int], i: int) -> Kind | None:
    before, after = history[i], history[i + 1]
    if before == after:
        return None
    if before and after:
        return Kind.expansion if after > before else Kind.contraction
    if before:
        return Kind.churn
    return Kind.reactivation if any(history[: i + 1]) else Kind.new


_histories = st.dictionaries(
    st.integers(min_value=1, max_value=40),
    st.lists(st.one_of(st.just(0), st.integers(min_value=0, max_value=10**9)), min_size=6, max_size=6),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(_histories)
def test_every_month_s_movements_add_up_to_its_mrr_change_and_each_client_moves_by_its_own_kind(clients):
    labels = [f"2026-{m:02d}" for m in range(1, 7)]
    months = monthly(labels, clients)
    for i, month in enumerate(months, start=1):
        total_before = sum(values[i - 1] for values in clients.values())
        total_after = sum(values[i] for values in clients.values())
        assert month.net_change == total_after - total_before
        assert sum(month.amount(kind) for kind in Kind) == total_after - total_before
        moved = {m.client: m for m in month.movements}
        for client, values in clients.items():
            expected = _expected_kind(values, i - 1)
            assert (moved[client].kind if client in moved else None) is expected
            if expected is not None:
                assert moved[client].amount == values[i] - values[i - 1]
