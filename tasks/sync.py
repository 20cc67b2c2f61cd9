"""Stripe sync tasks: the backfill after connecting, the periodic catch-up that heals missed webhooks, and the
retries that finish a disconnect Stripe hasn't confirmed yet."""

from huey import crontab
from piccolo.utils.sync import run_sync

from app.integrations import disconnects
from app.settings import get_settings
from app.stripe_data import catchup, sync
from tasks.queue import huey

# A disconnect Stripe didn't confirm is asked again after 30 s, then 1, 2, 4 ... minutes (about 8.5 hours over
# 10 retries); past that the sweeper keeps asking every 30 minutes until Stripe confirms.
DISCONNECT_RETRY_DELAY = 30


class DisconnectUnconfirmed(Exception):
    """Stripe still hasn't confirmed the unlink; raised so Huey retries the task with backoff."""


@huey.task(retries=2, retry_delay=60)
def run_backfill(sync_run_id: int) -> dict:
    """Run (or resume) one sync run; safe to run twice: a done or held run is left alone.

    Args:
        sync_run_id: SyncRun.id from `app.stripe_data.sync.start_backfill`.
    """
    run = run_sync(sync.run_backfill(sync_run_id))
    return {"status": run.status if run else "skipped", "requests": run.requests_made if run else 0}


@huey.task(retries=1, retry_delay=60)
def run_catchup(workspace_id: int) -> dict:
    """Apply what changed in the workspace's Stripe account since the last checkpoint."""
    result = run_sync(catchup.run_catchup(workspace_id))
    return {"events": result.events_applied, "relisted": result.relisted, "skipped": result.skipped}


@huey.periodic_task(crontab(minute=f"*/{get_settings().sync_catchup_minutes}"))
@huey.lock_task("stripe-sync-catchup")
def catch_up_all() -> int:
    """Every SYNC_CATCHUP_MINUTES: one catch-up task per connected workspace (they run in parallel on consumers)."""
    workspace_ids = run_sync(catchup.workspaces_to_catch_up())
    for workspace_id in workspace_ids:
        run_catchup(workspace_id)
    return len(workspace_ids)


@huey.task(retries=10, retry_delay=DISCONNECT_RETRY_DELAY, retry_backoff=2)
def confirm_disconnect(connection_id: int) -> bool:
    """Ask Stripe again to unlink a disconnect_pending connection; safe to run twice (a settled one is left alone).

    Args:
        connection_id: StripeConnection.id in disconnect_pending.
    """
    if not run_sync(disconnects.confirm_disconnect(connection_id)):
        raise DisconnectUnconfirmed(f"stripe has not confirmed the disconnect of connection {connection_id}")
    return True


@huey.periodic_task(crontab(minute="*/30"))
@huey.lock_task("stripe-disconnect-sweeper")
def retry_pending_disconnects() -> int:
    """Every 30 minutes: one more attempt for every pending disconnect (a lost or exhausted retry task included)."""
    pending = run_sync(disconnects.pending_disconnects())
    for connection_id in pending:
        # A single attempt each (no retry chain): the next sweep is the retry.
        huey.enqueue(confirm_disconnect.s(connection_id, retries=0))
    return len(pending)
