"""The chart geometry: the trend's highest value touches the top, movements stack gains above the zero line and
losses below it, each bar as tall as its share of the largest month."""

from __future__ import annotations

from app.revenue import charts
from app.revenue.movements import monthly


def test_the_trend_spans_the_width_and_its_highest_value_touches_the_top():
    chart = charts.trend(["2026-01", "2026-02", "2026-03"], [0, 500, 1_000])
    (x0, y0), _, (x2, y2) = chart.points
    assert (x0, x2) == (charts.LEFT, charts.WIDTH - charts.RIGHT)
    assert y0 == chart.baseline and y2 == charts.TOP
    assert chart.ticks[-1] == (x2, "2026-03", "end")


def test_an_all_zero_trend_lies_on_the_axis():
    chart = charts.trend(["2026-01", "2026-02"], [0, 0])
    assert {y for _, y in chart.points} == {chart.baseline}


def test_movements_stack_gains_above_the_zero_line_and_losses_below_it():
    months = monthly(["m0", "m1", "m2"], {"a": [100, 300, 0], "b": [0, 100, 100], "c": [200, 100, 100]})
    chart = charts.movements(months)
    by_kind = {(bar.kind, bar.amount): bar for bar in chart.bars}
    expansion, new, contraction = by_kind[("expansion", 200)], by_kind[("new", 100)], by_kind[("contraction", -100)]
    churn = by_kind[("churn", -300)]
    assert new.y + new.height == chart.baseline and expansion.y + expansion.height == new.y
    assert contraction.y == chart.baseline and churn.y == chart.baseline
    assert churn.height == 3 * new.height
    assert min(bar.y for bar in chart.bars) >= charts.TOP - 1e-9
    assert max(bar.y + bar.height for bar in chart.bars) <= charts.HEIGHT - charts.BOTTOM + 1e-9
