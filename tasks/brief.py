"""The Monday Brief's sweep: every 5 minutes, send the briefs that are due, retry the failed, drop the overdue."""

from datetime import datetime

from huey import crontab
from piccolo.utils.sync import run_sync

from app.brief import delivery
from app.core.timeutil import utcnow
from tasks.queue import huey


@huey.task()
def send_briefs_due(at: str) -> dict:
    """Send every brief due at the moment `at` (ISO 8601); safe to run twice, and on several consumers at once.

    Args:
        at: the moment the sweep runs for (the periodic task passes now).
    """
    return run_sync(delivery.send_due(datetime.fromisoformat(at))).counts()


@huey.periodic_task(crontab(minute="*/5"))
@huey.lock_task("brief-sweeper")
def send_due_briefs() -> dict:
    """Every 5 minutes: the briefs due now (Monday 08:00 in each workspace's time zone, until Tuesday's end)."""
    # Run here, not enqueued: the lock keeps one sweep at a time, and the claims keep each brief to one send anyway.
    return send_briefs_due.call_local(utcnow().isoformat())
