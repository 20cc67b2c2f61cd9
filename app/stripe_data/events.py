"""Stripe data events (webhooks and the catch-up's /v1/events) -> the same upserts as the backfill.

A webhook names its connected account; it is applied to every workspace with a live connection to
that account (at most one, by the one-workspace-per-account rule) and ignored otherwise, so a
stray or foreign event can never write into a workspace. `event.account` only routes: the rows
written take the account id of the connection (the catch-up passes its own). A connection whose
syncing is paused (after a purge) takes no events either, and every write goes through `writing`,
which re-checks that under a lock so a purge landing mid-write can't be undone by it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from app.core import connections
from app.integrations import webhooks
from app.integrations.tables import ConnectionStatus, StripeConnection
from app.stripe_data import partials, upserts, versions
from app.stripe_data.budget import BudgetedReader, StripeRefused, StripeUnavailable
from app.stripe_data.tables import StripeInvoice, StripeInvoiceLine

log = logging.getLogger(__name__)

DATA_EVENT_TYPES = (
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "customer.subscription.trial_will_end",
    "invoice.created",
    "invoice.updated",
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.payment_succeeded",
    "invoice.payment_action_required",
    "invoice.sent",
    "invoice.voided",
    "invoice.marked_uncollectible",
    "invoice.overdue",
    "invoice.deleted",
    "charge.succeeded",
    "charge.failed",
    "charge.captured",
    "charge.updated",
    "charge.pending",
    "charge.expired",
    "charge.refunded",
    "charge.refund.updated",
    "refund.created",
    "refund.updated",
    "refund.failed",
)


class SyncStopped(Exception):
    """The connection is paused, disconnected or gone: nothing more may be written for it."""


async def live_workspaces(account_id: str) -> list[int]:
    """Workspaces connected to the account and syncing (empty: the event is not ours to apply)."""
    rows = await StripeConnection.select(StripeConnection.workspace).where(
        (StripeConnection.stripe_account_id == account_id)
        & (StripeConnection.status == ConnectionStatus.connected.value)
        & StripeConnection.sync_paused_at.is_null()
    )
    return [row["workspace"] for row in rows]


async def only_paused(account_id: str) -> bool:
    """The account is connected, and every workspace connected to it has paused syncing."""
    rows = await StripeConnection.select(StripeConnection.sync_paused_at).where(
        (StripeConnection.stripe_account_id == account_id)
        & (StripeConnection.status == ConnectionStatus.connected.value)
    )
    return bool(rows) and all(row["sync_paused_at"] is not None for row in rows)


async def sync_paused_for(event: dict) -> bool:
    """A data event for an account whose workspace paused syncing (after a purge): drop it, don't store it."""
    account = str(event.get("account") or "")
    if not account or event.get("type") not in DATA_EVENT_TYPES:
        return False  # a deauthorization still counts while paused
    return await only_paused(account)


@asynccontextmanager
async def writing(workspace_id: int, account_id: str) -> AsyncIterator[None]:
    """A transaction that writes only while the connection is live and not paused, else raises SyncStopped.

    The check is an UPDATE that changes nothing: it holds the connection's row lock (PostgreSQL) or the
    database's write lock (SQLite) until commit. A purge pauses the connection before deleting, in one
    transaction, so either it waits and deletes what this wrote, or it commits first and this writes nothing.
    Keep Stripe requests out of the block: the lock is held for its whole length. Under `connections.held()`
    (the sync engine's writer) the transaction runs on the held connection.
    """
    async with connections.together():
        held = (
            await StripeConnection.update({StripeConnection.status: ConnectionStatus.connected.value})
            .where(
                (StripeConnection.workspace == workspace_id)
                & (StripeConnection.stripe_account_id == account_id)
                & (StripeConnection.status == ConnectionStatus.connected.value)
                & StripeConnection.sync_paused_at.is_null()
            )
            .returning(StripeConnection.id)
        )
        if not held:
            raise SyncStopped(f"workspace {workspace_id} is not syncing {account_id}")
        await versions.bump(workspace_id)  # figures computed from the data before this write are out of date
        yield


async def apply_event(workspace_id: int, account_id: str, event: dict, reader: BudgetedReader | None = None) -> bool:
    """Upsert the object an event carries into one workspace; returns False for events we don't keep.

    `account_id` is the account of the connection being written, never read from the event: Stripe leaves
    `account` out of some events (those listed with Stripe-Account), and rows must keep their account.

    Raises:
        SyncStopped: the workspace no longer syncs the account (paused or disconnected); nothing was written.
    """
    obj = (event.get("data") or {}).get("object") or {}
    if event.get("type") not in DATA_EVENT_TYPES or obj.get("object") not in upserts.KINDS:
        return False
    if event["type"] == "invoice.deleted":
        async with writing(workspace_id, account_id):
            # Only drafts can be deleted; they leave no trace in Stripe, so none here either.
            await StripeInvoiceLine.delete().where(
                (StripeInvoiceLine.workspace == workspace_id) & (StripeInvoiceLine.invoice_id == obj["id"])
            )
            await StripeInvoice.delete().where(
                (StripeInvoice.workspace == workspace_id) & (StripeInvoice.stripe_id == obj["id"])
            )
            await partials.clear(workspace_id, account_id, "invoice", obj["id"])
        return True
    lines = refused = None
    if obj["object"] == "invoice":
        lines = await partials.read_lines(reader or BudgetedReader(account_id), obj)
    if obj["object"] == "subscription":
        obj, refused = await partials.read_discounts(reader or BudgetedReader(account_id), obj)
    async with writing(workspace_id, account_id):
        await upserts.upsert_objects(workspace_id, account_id, [obj], deleted=event["type"] == "customer.deleted")
        if obj["object"] == "invoice":
            await partials.store_lines(workspace_id, account_id, obj["id"], lines)
        if obj["object"] == "subscription":
            await partials.store_discounts(workspace_id, account_id, obj["id"], refused)
    return True


async def retry_partials(
    workspace_id: int,
    account_id: str,
    reader: BudgetedReader,
    limit: int | None = None,
    tried_before: datetime | None = None,
) -> int:
    """Read again what partial objects miss (at most `limit`); returns how many became complete.

    The invoice itself is read again too, so its lines are paged from its current state. Marks tried at or
    after `tried_before` (by events applied in the same catch-up) wait for the next catch-up. Stripe failing
    (5xx beyond the retries) ends the step and keeps the marks; revoked access raises AccessRevoked.
    """
    completed = 0
    for mark in await partials.due(workspace_id, account_id, limit or partials.RETRY_LIMIT, tried_before):
        try:
            if mark.object_type == "subscription":
                obj, read = (
                    await asyncio.to_thread(
                        reader.get, f"/v1/subscriptions/{mark.stripe_id}", expand=list(partials.DISCOUNTS_EXPAND)
                    ),
                    None,
                )
            else:
                obj = await asyncio.to_thread(reader.get, f"/v1/invoices/{mark.stripe_id}")
                read = await partials.read_lines(reader, obj)
        except StripeRefused as exc:
            async with writing(workspace_id, account_id):
                await partials.record(
                    workspace_id,
                    account_id,
                    mark.object_type,
                    mark.stripe_id,
                    mark.what,
                    partials.Refusal(exc.status, exc.code, exc.stripe_message),
                )
            continue
        except StripeUnavailable:
            log.warning("stripe kept failing while retrying partial objects of %s; next catch-up", account_id)
            break
        async with writing(workspace_id, account_id):
            await upserts.upsert_objects(workspace_id, account_id, [obj])
            if mark.object_type == "subscription":
                await partials.clear(workspace_id, account_id, "subscription", mark.stripe_id)
            else:
                await partials.store_lines(workspace_id, account_id, obj["id"], read)
        completed += read is None or read.refusal is None
    return completed


async def handle(event: dict) -> None:
    """The webhook handler: apply to the account's live workspace(s), ignore an unconnected account."""
    account_id = str(event.get("account") or "")
    workspaces = await live_workspaces(account_id) if account_id else []
    if not workspaces:
        log.info("ignoring stripe event %s for unconnected account %s", event.get("id"), account_id or "-")
        return
    for workspace_id in workspaces:
        try:
            await apply_event(workspace_id, account_id, event)
        except SyncStopped:
            # Paused or disconnected since the check above: dropped, like an event for an unconnected account.
            log.info(
                "ignoring stripe event %s: workspace %s stopped syncing %s", event.get("id"), workspace_id, account_id
            )


HANDLERS: dict[str, Callable[[dict], Awaitable[None]]] = dict.fromkeys(DATA_EVENT_TYPES, handle)
# Every stored webhook's handler: the connection's own (a deauthorization) and the data events above.
WEBHOOK_HANDLERS = {**webhooks.EVENT_HANDLERS, **HANDLERS}
