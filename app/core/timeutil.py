"""Clock and time-zone helpers, so tests and services agree on 'now'."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from zoneinfo import available_timezones

# How the app writes a calendar date everywhere (pages, badges, emails): "22 May 2026".
DATE_FORMAT = "%d %b %Y"


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_moment(value: object) -> datetime | None:
    """A timestamp from a raw-SQL row: a datetime from PostgreSQL, ISO text from SQLite (naive means UTC)."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def duration_in_words(seconds: int) -> str:
    """Say a duration in words, rounded up: "45 seconds", "1 minute", "20 minutes", "3 hours".

    Pages say how long to wait or how often something happens from the setting itself, so the words follow it.
    """
    if seconds < 60:
        amount, unit = max(seconds, 1), "second"
    elif seconds <= 2 * 3600:
        amount, unit = math.ceil(seconds / 60), "minute"
    else:
        amount, unit = math.ceil(seconds / 3600), "hour"
    return f"{amount} {unit}{'' if amount == 1 else 's'}"


def is_valid_timezone(name: str) -> bool:
    return name in _timezones()


def _timezones() -> set[str]:
    global _TZ_CACHE
    if _TZ_CACHE is None:
        _TZ_CACHE = available_timezones()
    return _TZ_CACHE


_TZ_CACHE: set[str] | None = None
