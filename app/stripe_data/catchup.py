"""The periodic catch-up: heal missed webhooks from `/v1/events`, or re-list when the checkpoint is too old.

It applies the events created since the checkpoint with the webhook's own handlers, newest snapshot per object,
and falls back to a full re-list (a backfill run of kind "catchup") when the checkpoint is older than the 30 days
Stripe keeps events. An unfinished backfill is resumed instead.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from app.core.timeutil import utcnow
from app.integrations import services as integrations
from app.stripe_data import events, sync
from app.stripe_data.budget import AccessRevoked, BudgetedReader
from app.stripe_data.fetcher import PAGE_SIZE
from app.stripe_data.tables import SyncCheckpoint, SyncRun, SyncStatus

log = logging.getLogger(__name__)

EVENT_RETENTION = 30 * 24 * 3600
# Re-list a little before Stripe forgets, so an event at the edge of the window is never lost.
RETENTION_MARGIN = 3600


@dataclass(frozen=True)
class CatchupResult:
    events_applied: int = 0
    relisted: bool = False
    run_id: int | None = None
    skipped: str = ""
    partials_completed: int = 0


async def _events_since(reader: BudgetedReader, since: int) -> tuple[list[dict], int | None]:
    """Every event created at or after `since`, and the newest one's time (Stripe's clock)."""
    collected: list[dict] = []
    cursor = None
    while True:
        params = {"limit": PAGE_SIZE, "created[gte]": since, **({"starting_after": cursor} if cursor else {})}
        page = await asyncio.to_thread(reader.get, "/v1/events", **params)
        data = page.get("data") or []
        collected.extend(data)
        if not page.get("has_more") or not data:
            break
        cursor = data[-1]["id"]
    newest = max((e.get("created") or 0 for e in collected), default=None)
    return collected, newest


async def run_catchup(workspace_id: int, options: sync.SyncOptions | None = None) -> CatchupResult:
    """Pull what changed since the checkpoint: events within Stripe's 30 days, else a full re-list; `sync.finish_run`
    once something was written.

    An unfinished backfill is resumed instead (it covers everything a catch-up would).

    Returns:
        What was done: events applied, or the id of the re-listing run.
    """
    options = options or sync.SyncOptions()
    connection = await integrations.current_connection(workspace_id)
    if connection is None:
        return CatchupResult(skipped="not connected")
    if connection.sync_paused_at is not None:
        return CatchupResult(skipped="sync paused")
    account_id = connection.stripe_account_id
    last = await sync.latest_run(workspace_id, account_id)
    if last is not None and last.status != SyncStatus.done.value:
        if (
            last.status == SyncStatus.running.value
            and last.heartbeat_at
            and last.heartbeat_at > utcnow() - sync.stale_after()
        ):
            return CatchupResult(skipped="a sync is running")
        resumed = await sync.run_backfill(last.id, options)
        return CatchupResult(relisted=True, run_id=resumed.id if resumed else last.id)
    checkpoint = await sync.checkpoint_for(workspace_id, account_id)
    since = checkpoint.last_event_created
    if not since or time.time() - since > EVENT_RETENTION - RETENTION_MARGIN:
        return await _relist(workspace_id, account_id, options)
    reader = options.reader or BudgetedReader(account_id)
    try:
        found, newest = await _events_since(reader, since)
    except AccessRevoked:
        await integrations.mark_access_revoked(workspace_id, account_id)
        return CatchupResult(skipped="access revoked")
    if newest and newest - since > EVENT_RETENTION - RETENTION_MARGIN:
        # Stripe's clock says the checkpoint is past the 30 days it keeps: the events alone would leave gaps.
        return await _relist(workspace_id, account_id, options)
    started = utcnow()
    try:
        applied = await _apply_events(workspace_id, account_id, found, reader)
        retried = await events.retry_partials(workspace_id, account_id, reader, tried_before=started)
    except events.SyncStopped:
        return CatchupResult(skipped="sync paused")
    except AccessRevoked:
        await integrations.mark_access_revoked(workspace_id, account_id)
        return CatchupResult(skipped="access revoked")
    if newest:
        await SyncCheckpoint.update({SyncCheckpoint.last_event_created: max(since, newest)}).where(
            SyncCheckpoint.id == checkpoint.id
        )
    if applied:
        await sync.finish_run(workspace_id, account_id, full_listing=False)
    return CatchupResult(events_applied=applied, partials_completed=retried)


async def _apply_events(workspace_id: int, account_id: str, found: list[dict], reader: BudgetedReader) -> int:
    """Apply only each object's newest event (oldest first), so an older snapshot never wins.

    Rows take the connection's account id; an event naming another account (Stripe never sends one) is skipped.
    """
    newest_per_object: dict[str, dict] = {}
    # Stripe lists newest first; reversed then stably sorted, same-second events stay in their true order.
    for event in sorted(reversed(found), key=lambda e: e.get("created") or 0):  # noqa: C414 (stability is the point)
        obj = (event.get("data") or {}).get("object") or {}
        if event.get("account") and event["account"] != account_id:
            log.warning("catch-up of %s skipped event %s of %s", account_id, event.get("id"), event["account"])
            continue
        if event.get("type") in events.DATA_EVENT_TYPES and obj.get("id"):
            newest_per_object.pop(obj["id"], None)
            newest_per_object[obj["id"]] = event
    applied = 0
    for event in newest_per_object.values():
        applied += await events.apply_event(workspace_id, account_id, event, reader)
    return applied


async def _relist(workspace_id: int, account_id: str, options: sync.SyncOptions) -> CatchupResult:
    run = SyncRun(workspace=workspace_id, account_id=account_id, kind="catchup", created_at=utcnow())
    await run.save()
    finished = await sync.run_backfill(run.id, options)
    return CatchupResult(relisted=True, run_id=(finished or run).id)


async def workspaces_to_catch_up() -> list[int]:
    """Workspaces with a live Stripe connection whose syncing isn't paused (the periodic catch-up visits each)."""
    connection = integrations.StripeConnection
    rows = await connection.select(connection.workspace).where(
        (connection.status == integrations.ConnectionStatus.connected.value) & connection.sync_paused_at.is_null()
    )
    return sorted({row["workspace"] for row in rows})
