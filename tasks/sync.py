"""Stripe sync tasks: the backfill after connecting, and the periodic catch-up that heals missed webhooks."""

from huey import crontab
from piccolo.utils.sync import run_sync

from app.stripe_data import matching, sync
from tasks.queue import huey


@huey.task(retries=2, retry_delay=60)
def run_backfill(sync_run_id: int) -> dict:
    """Run (or resume) one sync run; safe to run twice: a done or held run is left alone.

    Args:
        sync_run_id: SyncRun.id from `app.integrations.services.start_backfill`.
    """
    run = run_sync(sync.run_backfill(sync_run_id))
    if run is not None and run.status == "done":
        run_sync(matching.rematch(run.workspace, run.account_id))  # new customers may match clients
        run_sync(sync.refresh_statistics())
    return {"status": run.status if run else "skipped", "requests": run.requests_made if run else 0}


@huey.task(retries=1, retry_delay=60)
def run_catchup(workspace_id: int) -> dict:
    """Apply what changed in the workspace's Stripe account since the last checkpoint."""
    result = run_sync(sync.run_catchup(workspace_id))
    if result.events_applied or result.relisted:
        run_sync(matching.rematch_workspace(workspace_id))
    if result.relisted:  # a resumed backfill or a full re-list reshaped the tables, like a backfill does
        run_sync(sync.refresh_statistics())
    return {"events": result.events_applied, "relisted": result.relisted, "skipped": result.skipped}


@huey.periodic_task(crontab(minute="*/15"))
@huey.lock_task("stripe-sync-catchup")
def catch_up_all() -> int:
    """Every 15 minutes: one catch-up task per connected workspace (they run in parallel on consumers)."""
    workspace_ids = run_sync(sync.workspaces_to_catch_up())
    for workspace_id in workspace_ids:
        run_catchup(workspace_id)
    return len(workspace_ids)
