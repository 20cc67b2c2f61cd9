"""Geometry for the server-drawn SVG charts (templates/revenue/_*_chart.html): coordinates only, no markup.

The charts draw in a fixed viewBox and scale with CSS, so positions are computed once here in viewBox units;
amounts stay integer minor units for the tables beside the charts, only the geometry is scaled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.revenue.movements import Kind, Month

WIDTH, HEIGHT = 600, 220
LEFT, RIGHT, TOP, BOTTOM = 8, 8, 12, 28
KINDS = (Kind.new, Kind.expansion, Kind.reactivation, Kind.contraction, Kind.churn)


@dataclass(frozen=True, slots=True)
class Bar:
    kind: str
    x: float
    y: float
    width: float
    height: float
    amount: int


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM
    points: list[tuple[float, float]] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str, str]] = field(default_factory=list)  # (x, label, text-anchor) under the axis

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)

    @property
    def area(self) -> str:
        if not self.points:
            return ""
        return (
            f"{self.points[0][0]:.1f},{self.baseline:.1f} {self.polyline} {self.points[-1][0]:.1f},{self.baseline:.1f}"
        )


def _anchor(x: float) -> str:
    """Labels near an edge grow inwards, so none is cut off by the viewBox."""
    if x < WIDTH * 0.08:
        return "start"
    return "end" if x > WIDTH * 0.92 else "middle"


def _ticks(labels: Sequence[str], xs: Sequence[float], every: int = 6) -> list[tuple[float, str, str]]:
    """A label every `every` points counting back from the last, so the current month is always named."""
    last = len(labels) - 1
    return [(xs[i], labels[i], _anchor(xs[i])) for i in range(last, -1, -every)][::-1]


def trend(labels: Sequence[str], values: Sequence[int]) -> Chart:
    """A line over the values, the highest touching the top; all zero draws a flat line on the axis."""
    chart = Chart()
    top = max(values, default=0) or 1
    span = WIDTH - LEFT - RIGHT
    step = span / max(len(values) - 1, 1)
    xs = [LEFT + i * step for i in range(len(values))]
    usable = chart.baseline - TOP
    chart.points = [(x, chart.baseline - usable * value / top) for x, value in zip(xs, values, strict=True)]
    chart.ticks = _ticks(labels, xs)
    return chart


def movements(months: Sequence[Month]) -> Chart:
    """Stacked bars per month: gains above a zero line, losses below it, on one scale."""
    chart = Chart()
    ups = [sum(m.amount(k) for k in KINDS if m.amount(k) > 0) for m in months]
    downs = [-sum(m.amount(k) for k in KINDS if m.amount(k) < 0) for m in months]
    usable = HEIGHT - TOP - BOTTOM
    highest, deepest = max(ups, default=0), max(downs, default=0)
    unit = usable / (highest + deepest or 1)
    # The zero line sits where the tallest gain and the deepest loss both fit (mid-height when nothing moved).
    zero = TOP + highest * unit if highest + deepest else TOP + usable / 2
    chart.baseline = zero
    slot = (WIDTH - LEFT - RIGHT) / max(len(months), 1)
    xs = []
    for i, month in enumerate(months):
        x = LEFT + i * slot + slot * 0.15
        xs.append(x + slot * 0.35)
        above, below = zero, zero
        for kind in KINDS:
            amount = month.amount(kind)
            height = abs(amount) * unit
            if amount > 0:
                above -= height
                chart.bars.append(Bar(kind.value, x, above, slot * 0.7, height, amount))
            elif amount < 0:
                chart.bars.append(Bar(kind.value, x, below, slot * 0.7, height, amount))
                below += height
    chart.ticks = _ticks([m.label for m in months], xs)
    return chart
