"""The task queue runs on the configured backend: SqliteHuey by default, Redis when REDIS_URL is set."""

import os
import secrets

from huey import RedisHuey, SqliteHuey

from app.settings import get_settings
from tasks.queue import build_huey


def test_a_task_enqueued_on_the_real_backend_is_executed_by_a_consumer():
    settings = get_settings()
    queue = build_huey(
        settings.__class__(**{**settings.__dict__, "huey_name": f"{settings.huey_name}-{secrets.token_hex(3)}"})
    )
    expected_backend = RedisHuey if os.environ.get("REDIS_URL") else SqliteHuey
    assert isinstance(queue, expected_backend)

    @queue.task()
    def add(a, b):
        return a + b

    result = add(2, 3)
    assert queue.pending_count() == 1
    task = queue.dequeue()
    queue.execute(task)
    assert result.get(preserve=True) == 5
    queue.flush()
