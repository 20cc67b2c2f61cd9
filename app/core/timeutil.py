"""Clock and time-zone helpers, so tests and services agree on 'now'."""

from __future__ import annotations

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


def is_valid_timezone(name: str) -> bool:
    return name in _timezones()


def _timezones() -> set[str]:
    global _TZ_CACHE
    if _TZ_CACHE is None:
        _TZ_CACHE = available_timezones()
    return _TZ_CACHE


_TZ_CACHE: set[str] | None = None
