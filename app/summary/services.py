"""The post-connection summary card: "We found X invoices, matched Y to clients", until dismissed."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.timeutil import utcnow
from app.integrations.tables import ConnectionStatus, StripeConnection
from app.review.services import unmatched_count
from app.stripe_data.progress import sync_view
from app.stripe_data.tables import (
    CustomerMatch,
    StripeCustomer,
    StripeInvoice,
    SyncCheckpoint,
    SyncRun,
    SyncStatus,
)


@dataclass
class SummaryCard:
    """The post-connection card: "We found X invoices, matched Y to clients"."""

    account_id: str
    invoices: int
    matched_invoices: int
    unmatched_customers: int
    syncing: bool
    visible: bool
    # Y (and X) are not yet meaningful: the first import runs and has not matched its recent months yet. The card
    # then shows X as "so far" and no Y at all, since a Y of 0 would only mean "not looked at yet".
    matching: bool = False
    # The recent months are in and matched; older history still streams in, so both figures still grow.
    importing_older: bool = False
    progress_percent: int | None = None
    # The first import failed before matching what it wrote: as `matching`, until the catch-up resumes it.
    stopped: bool = False

    @property
    def state(self) -> str:
        """For tests and styling: "matching", "stopped", "importing" (still syncing, figures growing) or "final"."""
        if self.matching:
            return "stopped" if self.stopped else "matching"
        return "importing" if self.syncing else "final"


async def _summary_account(workspace_id: int) -> str:
    """The connected account, else the last one ever linked (its data stays after a disconnect)."""
    rows = (
        await StripeConnection.select(StripeConnection.stripe_account_id, StripeConnection.status)
        .where(StripeConnection.workspace == workspace_id)
        .order_by(StripeConnection.id, ascending=False)
    )
    connected = [r for r in rows if r["status"] == ConnectionStatus.connected.value]
    return (connected or rows or [{"stripe_account_id": ""}])[0]["stripe_account_id"]


@dataclass(frozen=True)
class _Stage:
    """Where the account's import stands, as far as the card's figures are concerned."""

    syncing: bool = False
    matching: bool = False
    importing_older: bool = False
    percent: int | None = None
    stopped: bool = False


async def _awaiting_match(workspace_id: int, account_id: str, run: SyncRun) -> bool:
    """Customers the ended run wrote that have no match row yet: its closing rematch is still going (or never ran).

    Customers a webhook added after the run ended are left out: they wait for the next catch-up's rematch, and the
    run's figures stay true without them.
    """
    matched_ids = CustomerMatch.select(CustomerMatch.customer_id).where(
        (CustomerMatch.workspace == workspace_id) & (CustomerMatch.account_id == account_id)
    )
    written_by_run = (StripeCustomer.workspace == workspace_id) & (StripeCustomer.account_id == account_id)
    if run.finished_at is not None:
        written_by_run &= StripeCustomer.synced_at <= run.finished_at
    return await StripeCustomer.exists().where(written_by_run & StripeCustomer.stripe_id.not_in(matched_ids))


async def _stage(workspace_id: int, account_id: str) -> _Stage:
    """Whether X and Y are final, still growing with matched recent months in, or not yet meaningful ("matching").

    While a first import runs, Y is only meaningful once the engine says the recent months are written and matched
    (`recent_done`); a re-list of an account imported before keeps its earlier, matched figures. After a run ends,
    figures stay "matching" until its closing rematch has seen every customer it wrote.
    """
    of_account = (SyncRun.workspace == workspace_id) & (SyncRun.account_id == account_id)
    active = [SyncStatus.queued.value, SyncStatus.running.value]
    syncing = await SyncRun.exists().where(of_account & SyncRun.status.is_in(active))
    imported_before = await SyncRun.exists().where(of_account & (SyncRun.status == SyncStatus.done.value))
    view = await sync_view(workspace_id, account_id)
    if view is None:
        return _Stage()
    if syncing:
        return _Stage(
            syncing=True,
            matching=not view.recent_done and not imported_before,
            importing_older=view.recent_done,
            percent=view.percent,
        )
    if view.run.status == SyncStatus.done.value:
        return _Stage(matching=await _awaiting_match(workspace_id, account_id, view.run))
    if view.failed and not view.recent_done and not imported_before:
        stopped = await _awaiting_match(workspace_id, account_id, view.run)
        return _Stage(matching=stopped, stopped=stopped)
    return _Stage()


async def summary_card(workspace_id: int, account_id: str | None = None) -> SummaryCard | None:
    """X (invoices of the account), Y (invoices of matched customers), whether they are final, and whether to show
    the card.

    The card shows once a sync has data and stays until dismissed; a sync that finishes after the dismissal brings it
    back with the new numbers.

    Returns:
        None when no Stripe account was ever linked to the workspace.
    """
    account_id = account_id or await _summary_account(workspace_id)
    if not account_id:
        return None
    # Read before the figures: a run that ends between the two reads then shows its figures as still in progress,
    # never in-progress figures as final.
    stage = await _stage(workspace_id, account_id)
    scope = (StripeInvoice.workspace == workspace_id) & (StripeInvoice.account_id == account_id)
    invoices = await StripeInvoice.count().where(scope)
    matched_customers = CustomerMatch.select(CustomerMatch.customer_id).where(
        (CustomerMatch.workspace == workspace_id)
        & (CustomerMatch.account_id == account_id)
        & CustomerMatch.client.is_not_null()
    )
    matched = await StripeInvoice.count().where(scope & StripeInvoice.customer_id.is_in(matched_customers))
    last_done = (
        await SyncRun.select(SyncRun.finished_at)
        .where(
            (SyncRun.workspace == workspace_id) & (SyncRun.account_id == account_id) & SyncRun.finished_at.is_not_null()
        )
        .order_by(SyncRun.finished_at, ascending=False)
        .first()
    )
    checkpoint = (
        await SyncCheckpoint.select(SyncCheckpoint.summary_dismissed_at)
        .where((SyncCheckpoint.workspace == workspace_id) & (SyncCheckpoint.account_id == account_id))
        .first()
    )
    dismissed = checkpoint["summary_dismissed_at"] if checkpoint else None
    finished = last_done["finished_at"] if last_done else None
    visible = invoices > 0 and (dismissed is None or (finished is not None and finished > dismissed))
    return SummaryCard(
        account_id=account_id,
        invoices=invoices,
        matched_invoices=matched,
        unmatched_customers=await unmatched_count(workspace_id),
        syncing=stage.syncing,
        visible=visible,
        matching=stage.matching,
        importing_older=stage.importing_older,
        progress_percent=stage.percent,
        stopped=stage.stopped,
    )


async def dismiss_summary(workspace_id: int, account_id: str) -> None:
    """Hide the summary card until the next sync of this account finishes."""
    now = utcnow()
    updated = (
        await SyncCheckpoint.update({SyncCheckpoint.summary_dismissed_at: now})
        .where((SyncCheckpoint.workspace == workspace_id) & (SyncCheckpoint.account_id == account_id))
        .returning(SyncCheckpoint.id)
    )
    if not updated:
        # The sync usually creates the checkpoint; if it hasn't yet, ours must not clash with it (unique key).
        await SyncCheckpoint.insert(
            SyncCheckpoint(workspace=workspace_id, account_id=account_id, summary_dismissed_at=now)
        ).on_conflict(
            target=(SyncCheckpoint.workspace, SyncCheckpoint.account_id),
            action="DO UPDATE",
            values=[SyncCheckpoint.summary_dismissed_at],
        )
