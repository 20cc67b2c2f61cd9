"""The backfill: runs claimed by one worker, read concurrently (fetcher.py), written by one writer, checkpointed.

A backfill reads customers, subscriptions, invoices, charges and refunds in `created` windows, all at once within the
request budget, customers and the last 90 days first (see fetcher.py). One writer takes the fetched pages in
batches and commits each batch with its matching and the run's checkpoint in one transaction: every window's cursor
only moves with the page it covers, so a sync killed at any point resumes from its windows without a gap, and
because every write is an upsert, a page read again adds nothing twice.

The periodic catch-up (`app/stripe_data/catchup.py`) resumes an unfinished run here and re-lists through it.

Nothing runs for a connection that is paused (after a purge) or no longer connected: the catch-up skips
it, and a backfill already under way stops at its next page without writing it (see `events.writing`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from app.core import collector, connections
from app.core.timeutil import duration_in_words, utcnow
from app.integrations import services as integrations
from app.settings import get_settings
from app.stripe_data import events, ingest, matching
from app.stripe_data.budget import AccessRevoked, BudgetedReader, StripeUnavailable
from app.stripe_data.fetcher import STREAMS, Fetched, Fetcher, LinesFetched, Plan  # noqa: F401 (STREAMS: progress.py)
from app.stripe_data.tables import StripeInvoice, StripePartialObject, SyncCheckpoint, SyncRun, SyncStatus
from app.workspaces.services import Actor

log = logging.getLogger(__name__)

CHECKPOINT_MARGIN = 60
# Pages the writer takes into one transaction at most: SQLite has one writer, so fewer, larger commits go faster.
BATCH_PAGES = 40
# List pages waiting to be written at most; past it their fetchers wait. Invoice lines never wait: at every budget
# their endpoint is the long pole, and their pages are small.
WRITE_QUEUE = 64

UNAVAILABLE_MESSAGE = (
    "Stripe kept failing while we read your {what} ({detail}). Nothing is lost: "
    "ClientPulse tries again automatically within {retry} and resumes where it stopped."
)
CRASH_MESSAGE = (
    "The sync stopped unexpectedly while reading your {what}. Nothing is lost: it resumes where it "
    "stopped within {retry}. If this keeps happening, write to {support} with the time it happened."
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
    # Called as after_page(stream_name, pages_done) once a page is written and its checkpoint committed.
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
    since = progress.setdefault("_since", int(time.time()) - CHECKPOINT_MARGIN)
    reader = options.reader or BudgetedReader(run.account_id)
    plan = Plan.load(progress, int(time.time()))
    try:
        await _read_everything(run, plan, since, reader, options)
    except Exception as exc:  # noqa: BLE001 - every way a run ends is decided in one place
        await _end_failed(run, exc)
    else:
        await _finish(run.id, SyncStatus.done)
        await _mark_caught_up(run.workspace, run.account_id, since)
        log.info("stripe backfill %s done for workspace %s in %s requests", run.id, run.workspace, reader.requests)
        await finish_run(run.workspace, run.account_id, full_listing=True)
    return await SyncRun.objects().where(SyncRun.id == run.id).first()


async def _read_everything(run: SyncRun, plan: Plan, since: int, reader: BudgetedReader, options: SyncOptions) -> None:
    settings = get_settings()
    writer = _Writer(run, plan, since, reader, options, await matching.load_client_index(run.workspace))
    fetcher = Fetcher(
        plan, reader, writer.deliver, settings.stripe_requests_per_second, settings.stripe_requests_per_endpoint
    )
    for invoice_id in await _invoices_missing_lines(run.workspace, run.account_id):
        fetcher.queue_lines(invoice_id)

    async def fetch_all() -> None:
        await fetcher.run()
        await writer.deliver(None)

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(fetch_all())
            group.create_task(writer.run())
    except BaseExceptionGroup as group:
        raise _cause(group) from None


def _cause(group: BaseExceptionGroup) -> BaseException:
    """The exception that decides how the run ends, when several tasks failed at once."""
    leaves: list[BaseException] = []
    pending = [group]
    while pending:
        for exc in pending.pop().exceptions:
            (pending.append(exc) if isinstance(exc, BaseExceptionGroup) else leaves.append(exc))
    for kind in (AccessRevoked, events.SyncStopped, StripeUnavailable):
        for exc in leaves:
            if isinstance(exc, kind):
                return exc
    return leaves[0]


async def _end_failed(run: SyncRun, exc: BaseException) -> None:
    what = getattr(exc, "what", "account")
    if isinstance(exc, AccessRevoked):
        await _fail_revoked(run)
    elif isinstance(exc, events.SyncStopped):
        # A purge deleted this run's row along with the data: there is then nothing left to update.
        await _finish(run.id, SyncStatus.failed, STOPPED_MESSAGE)
        log.info(
            "stripe sync %s stopped: workspace %s paused or disconnected %s", run.id, run.workspace, run.account_id
        )
    elif isinstance(exc, StripeUnavailable):
        await _finish(
            run.id, SyncStatus.failed, UNAVAILABLE_MESSAGE.format(what=what, detail=exc, retry=catchup_every())
        )
    else:
        await _finish(
            run.id,
            SyncStatus.failed,
            CRASH_MESSAGE.format(what=what, retry=catchup_every(), support=get_settings().support_email),
        )
        raise exc


async def _invoices_missing_lines(workspace_id: int, account_id: str) -> list[str]:
    """Invoices written before a restart whose remaining lines were not read yet (refused ones wait for the retry)."""
    refused = StripePartialObject.select(StripePartialObject.stripe_id).where(
        (StripePartialObject.workspace == workspace_id)
        & (StripePartialObject.account_id == account_id)
        & (StripePartialObject.object_type == "invoice")
    )
    rows = await StripeInvoice.select(StripeInvoice.stripe_id).where(
        (StripeInvoice.workspace == workspace_id)
        & (StripeInvoice.account_id == account_id)
        & (StripeInvoice.lines_complete == False)  # noqa: E712
        & StripeInvoice.stripe_id.not_in(refused)
    )
    return [row["stripe_id"] for row in rows]


class _Writer:
    """The run's one writer: batches of fetched pages, each committed with its matching and the checkpoint."""

    def __init__(
        self,
        run: SyncRun,
        plan: Plan,
        since: int,
        reader: BudgetedReader,
        options: SyncOptions,
        index: matching.ClientIndex,
    ) -> None:
        self.sync_run, self.plan, self.since, self.reader, self.options = run, plan, since, reader, options
        self.index = index
        self.queue: asyncio.Queue[Fetched | LinesFetched | None] = asyncio.Queue()
        self.pages_waiting = 0
        self.drained = asyncio.Event()
        self.pages = Counter()

    async def deliver(self, item: Fetched | LinesFetched | None) -> None:
        if isinstance(item, Fetched):
            while self.pages_waiting >= WRITE_QUEUE:
                self.drained.clear()
                await self.drained.wait()
            self.pages_waiting += 1
        self.queue.put_nowait(item)

    async def run(self) -> None:
        # One connection for every batch on PostgreSQL: a new one per transaction started a backend that planned
        # each statement and looked up each array type again (in the ingest benchmark, a quarter of the time).
        async with connections.held():
            await self._run()

    async def _run(self) -> None:
        closed = False
        while not closed:
            items = [await self.queue.get()]
            while not self.queue.empty() and len(items) < BATCH_PAGES:
                items.append(self.queue.get_nowait())
            self.pages_waiting -= sum(isinstance(item, Fetched) for item in items)
            self.drained.set()
            closed = None in items
            # One collection per batch instead of several per page: the readers decode the next pages inside this
            # pause too, and the batch's objects are freed before it ends (see app.core.collector).
            await connections.reconnect_if_lost()
            with collector.paused():
                await self._write([item for item in items if item is not None])
                del items

    async def _write(self, items: list[Fetched | LinesFetched]) -> None:
        if not items:
            return
        pages = [item for item in items if isinstance(item, Fetched)]
        batch = ingest.Batch(
            objects=[obj for page in pages for obj in page.objects],
            lines={item.invoice_id: item.read for item in items if isinstance(item, LinesFetched)},
            listed_subscriptions=[o["id"] for p in pages if p.window.stream == "subscriptions" for o in p.objects],
        )
        ws, account = self.sync_run.workspace, self.sync_run.account_id
        started = time.monotonic()
        async with events.writing(ws, account):
            await ingest.write(ws, account, batch, self.index)
            for page in pages:
                page.window.cursor = page.cursor or page.window.cursor
                page.window.count += len(page.objects)
                page.window.done = page.exhausted
            self.plan.lines_pending.difference_update(batch.lines)
            self.plan.lines_done += len(batch.lines)
            self.plan.check_recent_done()
            await _save(self.sync_run.id, self.plan.to_progress(self.since), self.reader.requests)
        log.debug(
            "sync %s wrote %s objects, %s invoices' lines in %.3f s (%s pages waiting)",
            self.sync_run.id,
            len(batch.objects),
            len(batch.lines),
            time.monotonic() - started,
            self.queue.qsize(),
        )
        for page in pages:
            self.pages[page.window.stream] += 1
            if self.options.after_page is not None:
                self.options.after_page(page.window.stream, self.pages[page.window.stream])


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
