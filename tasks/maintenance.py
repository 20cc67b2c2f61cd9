"""Housekeeping: rows the security features leave behind once they can no longer matter."""

from huey import crontab
from piccolo.utils.sync import run_sync

from app.accounts import services as accounts
from app.accounts import sessions, throttle
from app.core import mail
from tasks.queue import huey


@huey.periodic_task(crontab(minute="17", hour="3"))
@huey.lock_task("maintenance-prune")
def prune() -> dict:
    """Daily: ended sessions, expired log-in counters, old rate-limit hits, and email bodies SMTP never took."""
    return {
        "sessions": run_sync(sessions.prune_ended_sessions()),
        "login_counters": run_sync(throttle.prune_expired_windows()),
        "rate_limit_hits": run_sync(accounts.prune_rate_limit_hits()),
        "sealed_bodies": run_sync(mail.drop_stale_sealed_bodies()),
    }
