"""Settings → Data → Purge: delete everything pulled from Stripe for one workspace, and nothing of any other.

Purging keeps the Stripe connection but pauses its syncing: a connected account stays connected and only re-syncs
from scratch when the owner asks ("Sync again"), because the owner may be purging precisely to stop holding the data.
Until then the periodic catch-up skips the workspace, webhooks for the account are dropped, and a backfill under
way stops at its next page (the pause and the deletes commit together; see `events.writing`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.core.errors import ValidationFailed
from app.integrations.services import pause_sync
from app.integrations.tables import ConnectionStatus, StripeConnection, StripeEvent
from app.stripe_data import versions
from app.stripe_data.events import DATA_EVENT_TYPES
from app.stripe_data.tables import (
    CustomerMatch,
    StripeCharge,
    StripeCustomer,
    StripeInvoice,
    StripeInvoiceLine,
    StripePartialObject,
    StripeRefund,
    StripeSubscription,
    SyncCheckpoint,
    SyncRun,
)
from app.workspaces.services import Actor

log = logging.getLogger(__name__)

# Children before parents; every table here has a `workspace` column that scopes the delete.
PULLED_TABLES = {
    "customer matches": CustomerMatch,
    "invoice lines": StripeInvoiceLine,
    "invoices": StripeInvoice,
    "refunds": StripeRefund,
    "payments": StripeCharge,
    "subscriptions": StripeSubscription,
    "customers": StripeCustomer,
    "sync runs": SyncRun,
    "sync checkpoints": SyncCheckpoint,
    "partially read objects": StripePartialObject,
}
CONFIRM_MESSAGE = "Type the workspace name exactly as shown to confirm."


@dataclass
class StoredData:
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


async def stored_data(workspace_id: int) -> StoredData:
    """How many rows of each kind the workspace holds from Stripe (shown before purging)."""
    counts = {
        label: await table.count().where(table.workspace == workspace_id) for label, table in PULLED_TABLES.items()
    }
    return StoredData(counts=counts)


async def _own_accounts(workspace_id: int) -> list[str]:
    """Accounts linked to this workspace and not currently connected to another one (their events are ours)."""
    mine = {
        r["stripe_account_id"]
        for r in await StripeConnection.select(StripeConnection.stripe_account_id).where(
            StripeConnection.workspace == workspace_id
        )
    }
    if not mine:
        return []
    elsewhere = {
        r["stripe_account_id"]
        for r in await StripeConnection.select(StripeConnection.stripe_account_id).where(
            (StripeConnection.workspace != workspace_id)
            & StripeConnection.stripe_account_id.is_in(sorted(mine))
            & (StripeConnection.status == ConnectionStatus.connected.value)
        )
    }
    return sorted(mine - elsewhere)


async def purge(actor: Actor, confirmation: str) -> StoredData:
    """Delete every object pulled from Stripe for the actor's workspace, matches included.

    Stored webhook events of the workspace's own accounts go too once processed (they carry the same customer
    data), and so do unprocessed data events, which the pause would drop anyway; other unprocessed events (a
    deauthorization) stay so the event pipeline never loses track of what it owes.
    Syncing is paused until the owner asks again (`sync.resume_sync`).

    Args:
        actor: an owner of the workspace.
        confirmation: must equal the workspace name exactly (surrounding spaces aside).

    Raises:
        PermissionDenied: the actor is not an owner.
        ValidationFailed: the confirmation does not match.

    Returns:
        What was deleted, by kind.
    """
    actor.require_owner("purge Stripe data")
    if (confirmation or "").strip() != actor.workspace.name:
        raise ValidationFailed({"confirm": CONFIRM_MESSAGE}, CONFIRM_MESSAGE)
    before = await stored_data(actor.workspace_id)
    accounts = await _own_accounts(actor.workspace_id)
    async with CustomerMatch._meta.db.transaction():
        # First, so a page a backfill is writing right now either commits before this (and is deleted below) or
        # finds the pause and is never written.
        await pause_sync(actor.workspace_id, actor.user.name or actor.user.email)
        await versions.bump(actor.workspace_id)
        for table in PULLED_TABLES.values():
            await table.delete().where(table.workspace == actor.workspace_id)
        if accounts:
            await StripeEvent.delete().where(
                StripeEvent.account.is_in(accounts)
                & (StripeEvent.processed_at.is_not_null() | StripeEvent.event_type.is_in(list(DATA_EVENT_TYPES)))
            )
    log.info("workspace %s purged %s stripe rows", actor.workspace_id, before.total)
    return before
