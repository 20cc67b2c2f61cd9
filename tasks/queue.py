"""The Huey instance: SQLite-backed by default, Redis when REDIS_URL is set."""

from __future__ import annotations

from huey import RedisHuey, SqliteHuey
from huey.api import Huey

from app.settings import Settings, get_settings


def build_huey(settings: Settings) -> Huey:
    """Choose the queue backend from settings (tests build their own with a private name)."""
    if settings.redis_url:
        return RedisHuey(settings.huey_name, url=settings.redis_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(settings.huey_name, filename=str(settings.data_dir / f"{settings.huey_name}-huey.sqlite3"))


huey = build_huey(get_settings())
