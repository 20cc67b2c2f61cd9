"""The month ends revenue history is measured at, in a workspace's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

HISTORY_MONTHS = 24


@dataclass(frozen=True, slots=True)
class Point:
    """One measurement: `label` is the month ("YYYY-MM"), `at` the UTC moment MRR is valued at."""

    label: str
    at: datetime
    is_now: bool = False


def _month_start(year: int, month: int, tz: ZoneInfo) -> datetime:
    return datetime(year, month, 1, tzinfo=tz)


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def points(now: datetime, tz_name: str, months: int = HISTORY_MONTHS) -> list[Point]:
    """The last second of each of the `months` months before the current one, then `now` (the current month).

    The last second, 23:59:59 local on the month's last day: Stripe's times are whole seconds, so a subscription
    that ends at midnight counted all month and one that starts at midnight belongs to the next month.
    """
    tz = ZoneInfo(tz_name)
    local = now.astimezone(tz)
    out = []
    for back in range(months, 0, -1):
        year, month = _shift(local.year, local.month, -back)
        next_year, next_month = _shift(year, month, 1)
        end = _month_start(next_year, next_month, tz).astimezone(UTC) - timedelta(seconds=1)
        out.append(Point(f"{year:04d}-{month:02d}", end))
    out.append(Point(f"{local.year:04d}-{local.month:02d}", now.astimezone(UTC), is_now=True))
    return out


def label_of(moment: datetime, tz_name: str) -> str:
    """The month ("YYYY-MM") a moment falls in, in the workspace's time zone."""
    local = moment.astimezone(ZoneInfo(tz_name))
    return f"{local.year:04d}-{local.month:02d}"


def starts(found: list[Point], tz_name: str) -> list[int]:
    """The first second of each point's month, as Unix seconds (a point's month runs from there to its `at`)."""
    tz = ZoneInfo(tz_name)
    out = []
    for point in found:
        year, month = (int(part) for part in point.label.split("-"))
        out.append(int(_month_start(year, month, tz).timestamp()))
    return out
