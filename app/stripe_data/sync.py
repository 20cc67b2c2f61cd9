"""The backfill and catch-up engine: pages Stripe lists newest first, checkpoints, and live progress.

A backfill walks customers, subscriptions, invoices, charges and refunds, 100 per page, newest first
(so recent months show while older history streams in). After every page the run's `progress`
stores, per object type, the last id processed: a sync killed half way resumes from there, and
because every write is an upsert, re-reading a page adds nothing twice.

The periodic catch-up (`app/stripe_data/catchup.py`) resumes an unfinished run here and re-lists through it.

Nothing runs for a connection that is paused (after a purge) or no longer connected: the catch-up skips
it, and a backfill already under way stops at its next page without writing it (see `events.writing`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from app.core.timeutil import duration_in_words, utcnow
from app.integrations import services as integrations
from app.settings import get_settings
from app.stripe_data import events, matching, partials, upserts
from app.stripe_data.budget import AccessRevoked, BudgetedReader, StripeUnavailable
from app.stripe_data.tables import SyncCheckpoint, SyncRun, SyncStatus
from app.workspaces.services import Actor

log = logging.getLogger(__name__)

PAGE_SIZE = 100
CHECKPOINT_MARGIN = 60


# MRR needs each discount's coupon; Stripe lists both as ids unless asked (see app/stripe_data/mrr.py).
DISCOUNTS = "data.discounts.source.coupon"


@dataclass(frozen=True)
class Stream:
    name: str
    label: str
    path: str
    params: dict = field(default_factory=dict)


STREAMS = (
    Stream("customers", "Customers", "/v1/customers"),
    # The trap: without status=all Stripe leaves canceled subscriptions out of the list.
    Stream("subscriptions", "Subscriptions", "/v1/subscriptions", {"status": "all", "expand": [DISCOUNTS]}),
    Stream("invoices", "Invoices", "/v1/invoices"),
    Stream("charges", "Payments", "/v1/charges"),
    Stream("refunds", "Refunds", "/v1/refunds"),
)

UNAVAILABLE_MESSAGE = (
    "Stripe kept failing while we read your {what} ({detail}). Nothing is lost: "
    "ClientPulse tries again automatically within {retry} and resumes where it stopped."
)
CRASH_MESSAGE = (
    "The sync stopped unexpectedly while reading your {what}. Nothing is lost: it resumes where it "
    "stopped within {retry}. If this keeps happening, contact support."
)
STOPPED_MESSAGE = (
    "The sync stopped because syncing was paused or Stripe was disconnected; nothing more was "
    "pulled. Click Sync again on Settings → Data to pull everything again."
)


def catchup_every() -> str:
    """How often the periodic catch-up runs, in words: a stopped sync resumes, and partial objects are retried, then."""
    return duration_in_words(get_settings().sync_catchup_minutes * 60)


def stale_after() -> timedelta:
    """How long a running sync may go without a heartbeat (one per page) before another worker takes it over."""
    return timedelta(seconds=get_settings().sync_heartbeat_timeout_seconds)


@dataclass
class SyncOptions:
    """Knobs for tests and tools: a reader with its own retry policy, and a hook after each page."""

    reader: BudgetedReader | None = None
    # Called as after_page(stream_name, pages_done) once a page is written, before its checkpoint is saved.
    after_page: Callable[[str, int], None] | None = None


def load_progress(run: SyncRun) -> dict:
    value = run.progress
    return json.loads(value) if isinstance(value, str) else dict(value or {})


async def _claim(run_id: int) -> SyncRun | None:
    """Take the run for this worker: queued, failed (a retry) or running with a dead heartbeat."""
    now = utcnow()
    claimable = SyncRun.status.is_in([SyncStatus.queued.value, SyncStatus.failed.value]) | (
        (SyncRun.status == SyncStatus.running.value) & (SyncRun.heartbeat_at < now - stale_after())
    )
    claimed = (
        await SyncRun.update({SyncRun.status: SyncStatus.running.value, SyncRun.heartbeat_at: now, SyncRun.error: ""})
        .where((SyncRun.id == run_id) & claimable)
        .returning(SyncRun.id)
    )
    if not claimed:
        return None
    run = await SyncRun.objects().where(SyncRun.id == run_id).first()
    if run.started_at is None:
        await SyncRun.update({SyncRun.started_at: now}).where(SyncRun.id == run_id)
    return run


async def _save(run_id: int, progress: dict, requests: int) -> None:
    await SyncRun.update(
        {SyncRun.progress: json.dumps(progress), SyncRun.requests_made: requests, SyncRun.heartbeat_at: utcnow()}
    ).where(SyncRun.id == run_id)


async def _finish(run_id: int, status: SyncStatus, error: str = "") -> None:
    await SyncRun.update({SyncRun.status: status.value, SyncRun.error: error, SyncRun.finished_at: utcnow()}).where(
        SyncRun.id == run_id
    )


def _estimate(state: dict, has_more: bool, history_start: int | None) -> int | None:
    """A cheap total: Stripe has no counts, so extrapolate over time from the oldest customer.

    Lists are newest first; having read `count` objects back to `oldest`, the whole history back to
    the first customer holds about count * (newest - start) / (newest - oldest). None: no basis yet.
    """
    if not has_more:
        return state["count"]
    newest, oldest = state.get("newest"), state.get("oldest")
    if history_start is None or newest is None or oldest is None or newest <= oldest or oldest <= history_start:
        return None
    guess = state["count"] * (newest - history_start) / (newest - oldest)
    return max(state["count"] + PAGE_SIZE, int(round(guess, -2)))


async def _read_stream(
    run: SyncRun, stream: Stream, progress: dict, reader: BudgetedReader, options: SyncOptions
) -> None:
    state = progress.setdefault(stream.name, {"cursor": "", "done": False, "count": 0, "estimate": None})
    pages = 0
    while not state["done"]:
        params = {"limit": PAGE_SIZE, **stream.params}
        if state["cursor"]:
            params["starting_after"] = state["cursor"]
        page = await asyncio.to_thread(reader.get, stream.path, **params)
        data = page.get("data") or []
        more_lines = {}
        if stream.name == "invoices":
            for invoice in data:
                # One invoice whose lines Stripe refuses is stored partial; the page goes on.
                if (read := await partials.read_lines(reader, invoice)) is not None:
                    more_lines[invoice["id"]] = read
        async with events.writing(run.workspace, run.account_id):
            await upserts.upsert_objects(run.workspace, run.account_id, data)
            for invoice_id, read in more_lines.items():
                await partials.store_lines(run.workspace, run.account_id, invoice_id, read)
            if stream.name == "subscriptions":
                # Listed with their discounts expanded, so whatever an event's re-read missed is whole again.
                await partials.clear_many(run.workspace, run.account_id, "subscription", [s["id"] for s in data])
        pages += 1
        if options.after_page is not None:
            options.after_page(stream.name, pages)
        if data:
            state["cursor"] = data[-1]["id"]
            state.setdefault("newest", data[0].get("created"))
            state["oldest"] = data[-1].get("created")
        state["count"] += len(data)
        state["done"] = not page.get("has_more") or not data
        customers = progress.get("customers") or {}
        state["estimate"] = _estimate(
            state, not state["done"], customers.get("oldest") if customers.get("done") else None
        )
        await _save(run.id, progress, reader.requests)


async def _mark_caught_up(workspace_id: int, account_id: str, since: int) -> None:
    """After a full listing, events from `since` on are what the next catch-up must apply."""
    checkpoint = await checkpoint_for(workspace_id, account_id)
    await SyncCheckpoint.update(
        {
            SyncCheckpoint.last_event_created: max(checkpoint.last_event_created, since),
            SyncCheckpoint.last_full_sync_at: utcnow(),
        }
    ).where(SyncCheckpoint.id == checkpoint.id)


async def checkpoint_for(workspace_id: int, account_id: str) -> SyncCheckpoint:
    where = (SyncCheckpoint.workspace == workspace_id) & (SyncCheckpoint.account_id == account_id)
    checkpoint = await SyncCheckpoint.objects().where(where).first()
    if checkpoint is None:
        await SyncCheckpoint.insert(SyncCheckpoint(workspace=workspace_id, account_id=account_id)).on_conflict(
            action="DO NOTHING"
        )
        checkpoint = await SyncCheckpoint.objects().where(where).first()
    return checkpoint


async def run_backfill(sync_run_id: int, options: SyncOptions | None = None) -> SyncRun | None:
    """Read everything of the run's account into the workspace, resuming from the run's checkpoint; once done,
    `finish_run`.

    A revoked token fails the run and puts the Stripe card in its reconnect state; Stripe failing
    beyond the retries fails the run with a message (the periodic catch-up resumes it). Anything
    else fails the run and is re-raised so the task queue retries it.

    Returns:
        The run as it ended, or None when another worker holds it or it is already done.
    """
    options = options or SyncOptions()
    run = await _claim(sync_run_id)
    if run is None:
        return None
    progress = load_progress(run)
    # Changes made while we page are behind our cursors; the catch-up replays events from here on.
    progress.setdefault("_since", int(time.time()) - CHECKPOINT_MARGIN)
    reader = options.reader or BudgetedReader(run.account_id)
    current = STREAMS[0]
    try:
        for current in STREAMS:
            await _read_stream(run, current, progress, reader, options)
    except AccessRevoked:
        await _fail_revoked(run)
    except events.SyncStopped:
        # A purge deleted this run's row along with the data: there is then nothing left to update.
        await _finish(run.id, SyncStatus.failed, STOPPED_MESSAGE)
        log.info(
            "stripe sync %s stopped: workspace %s paused or disconnected %s", run.id, run.workspace, run.account_id
        )
    except StripeUnavailable as exc:
        await _finish(
            run.id,
            SyncStatus.failed,
            UNAVAILABLE_MESSAGE.format(what=current.label.lower(), detail=exc, retry=catchup_every()),
        )
    except Exception:
        await _finish(
            run.id, SyncStatus.failed, CRASH_MESSAGE.format(what=current.label.lower(), retry=catchup_every())
        )
        raise
    else:
        await _finish(run.id, SyncStatus.done)
        await _mark_caught_up(run.workspace, run.account_id, progress["_since"])
        log.info("stripe backfill %s done for workspace %s in %s requests", run.id, run.workspace, reader.requests)
        await finish_run(run.workspace, run.account_id, full_listing=True)
    return await SyncRun.objects().where(SyncRun.id == run.id).first()


async def finish_run(workspace_id: int, account_id: str, full_listing: bool) -> None:
    """The one step after a sync wrote an account's data, whether a backfill, a re-list or a catch-up's events.

    New or changed customers may match clients, so the account is rematched; a full listing reshapes the tables,
    so the planner's statistics are refreshed too (see `refresh_statistics`).

    Args:
        workspace_id: whose data was written.
        account_id: the account it came from.
        full_listing: True after a backfill or re-list, False after applying events.
    """
    await matching.rematch(workspace_id, account_id)
    if full_listing:
        await refresh_statistics()


async def _fail_revoked(run: SyncRun) -> None:
    await _finish(run.id, SyncStatus.failed, integrations.SYNC_REVOKED_REASON)
    await integrations.mark_access_revoked(run.workspace, run.account_id)
    log.warning("stripe access revoked for %s (workspace %s); sync %s stopped", run.account_id, run.workspace, run.id)


async def latest_run(workspace_id: int, account_id: str | None = None) -> SyncRun | None:
    where = SyncRun.workspace == workspace_id
    if account_id:
        where &= SyncRun.account_id == account_id
    return await SyncRun.objects().where(where).order_by(SyncRun.id, ascending=False).first()


async def start_backfill(workspace_id: int, account_id: str) -> SyncRun:
    """Queue a full sync of the account into the workspace; enqueue `tasks.sync.run_backfill` after commit.

    Returns:
        The new queued run, or the one already queued or running for this account (never two at once).
    """
    active = (
        await SyncRun.objects()
        .where(
            (SyncRun.workspace == workspace_id)
            & (SyncRun.account_id == account_id)
            & SyncRun.status.is_in([SyncStatus.queued.value, SyncStatus.running.value])
        )
        .order_by(SyncRun.id, ascending=False)
        .first()
    )
    if active is not None:
        return active
    run = SyncRun(workspace=workspace_id, account_id=account_id, kind="backfill", created_at=utcnow())
    await run.save()
    return run


async def resume_sync(actor: Actor) -> SyncRun:
    """Sync again: lift the pause and queue a fresh backfill; enqueue `tasks.sync.run_backfill` after commit.

    Raises:
        PermissionDenied: not an owner.
        NotFound: nothing is connected.
    """
    connection = await integrations.lift_pause(actor)
    return await start_backfill(actor.workspace_id, connection.stripe_account_id)


# The tables a backfill fills and the clients page joins.
ANALYZED_TABLES = (
    "stripe_customer",
    "stripe_subscription",
    "stripe_invoice",
    "stripe_charge",
    "stripe_refund",
    "customer_match",
)


async def refresh_statistics() -> None:
    """Refresh the query planner's statistics after a backfill reshaped the Stripe tables.

    Without them SQLite drove the clients page's invoice query from every invoice of the workspace
    (44 ms over 50,000 invoices in `make bench`) instead of from the page's clients (3 ms).
    PostgreSQL's autovacuum would get there eventually; ANALYZE samples, so it is cheap on both.
    """
    for table in ANALYZED_TABLES:
        await SyncRun.raw(f"ANALYZE {table}")
