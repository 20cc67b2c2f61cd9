"""The Huey instance: SQLite-backed by default, Redis when REDIS_URL is set."""

from __future__ import annotations

from huey import RedisHuey, SqliteHuey
from huey.api import Huey

from app.settings import Settings, get_settings

IN_FLIGHT_COUNTER = "tasks-in-flight"


def build_huey(settings: Settings) -> Huey:
    """Choose the queue backend from settings (tests build their own with a private name)."""
    if settings.redis_url:
        queue: Huey = RedisHuey(settings.huey_name, url=settings.redis_url)
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        queue = SqliteHuey(settings.huey_name, filename=str(settings.data_dir / f"{settings.huey_name}-huey.sqlite3"))
    _count_in_flight(queue)
    return queue


def _count_in_flight(queue: Huey) -> None:
    """Keep a count of the tasks consumers are executing, in the queue's own storage.

    A dequeued task has left the queue before it finishes, so nothing outside the consumer could tell a busy
    worker from an idle one; the end-to-end tests wait on this count before they empty the tables. The counter is
    atomic on both backends. A consumer killed mid-task leaves it high: it is a signal, not an invariant.
    """

    @queue.pre_execute(name="count-in-flight")
    def _started(task) -> None:
        queue.storage.incr(IN_FLIGHT_COUNTER)

    # Huey runs post-execute hooks after a success and after a failure (before any retry is re-queued).
    @queue.post_execute(name="count-in-flight")
    def _finished(task, value, exception) -> None:
        queue.storage.incr(IN_FLIGHT_COUNTER, -1)


def tasks_in_flight(queue: Huey) -> int:
    """How many tasks the consumers of `queue` are executing right now."""
    return int(queue.storage.incr(IN_FLIGHT_COUNTER, 0))


huey = build_huey(get_settings())
