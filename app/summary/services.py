"""The post-connection summary card: "We found X invoices, matched Y to clients", until dismissed."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.timeutil import utcnow
from app.integrations.tables import ConnectionStatus, StripeConnection
from app.review.services import unmatched_count
from app.stripe_data.tables import CustomerMatch, StripeInvoice, SyncCheckpoint, SyncRun, SyncStatus


@dataclass
class SummaryCard:
    """The post-connection card: "We found X invoices, matched Y to clients"."""

    account_id: str
    invoices: int
    matched_invoices: int
    unmatched_customers: int
    syncing: bool
    visible: bool


async def _summary_account(workspace_id: int) -> str:
    """The connected account, else the last one ever linked (its data stays after a disconnect)."""
    rows = (
        await StripeConnection.select(StripeConnection.stripe_account_id, StripeConnection.status)
        .where(StripeConnection.workspace == workspace_id)
        .order_by(StripeConnection.id, ascending=False)
    )
    connected = [r for r in rows if r["status"] == ConnectionStatus.connected.value]
    return (connected or rows or [{"stripe_account_id": ""}])[0]["stripe_account_id"]


async def summary_card(workspace_id: int, account_id: str | None = None) -> SummaryCard | None:
    """X (invoices of the account), Y (invoices of matched customers), and whether to show the card.

    The card shows once a sync has data and stays until dismissed; a sync that finishes after the dismissal brings it
    back with the new numbers.

    Returns:
        None when no Stripe account was ever linked to the workspace.
    """
    account_id = account_id or await _summary_account(workspace_id)
    if not account_id:
        return None
    scope = (StripeInvoice.workspace == workspace_id) & (StripeInvoice.account_id == account_id)
    invoices = await StripeInvoice.count().where(scope)
    matched_customers = CustomerMatch.select(CustomerMatch.customer_id).where(
        (CustomerMatch.workspace == workspace_id)
        & (CustomerMatch.account_id == account_id)
        & CustomerMatch.client.is_not_null()
    )
    matched = await StripeInvoice.count().where(scope & StripeInvoice.customer_id.is_in(matched_customers))
    runs = SyncRun.select(SyncRun.status, SyncRun.finished_at).where(
        (SyncRun.workspace == workspace_id) & (SyncRun.account_id == account_id)
    )
    syncing = bool(await runs.where(SyncRun.status.is_in([SyncStatus.queued.value, SyncStatus.running.value])).first())
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
        syncing=syncing,
        visible=visible,
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
