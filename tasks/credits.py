"""Credits: the hourly check that cached balances still equal their ledgers."""

from huey import crontab
from piccolo.utils.sync import run_sync

from app.credits import checks
from tasks.queue import huey


@huey.periodic_task(crontab(minute="23"))
@huey.lock_task("credits-ledger-check")
def check_ledger() -> int:
    """Hourly: log every client whose cached balance differs from its ledger; returns how many (never fixes)."""
    return len(run_sync(checks.report_mismatches()))
