"""Stripe data events (webhooks and the catch-up's /v1/events) -> the same upserts as the backfill.

An event names its connected account; it is applied to every workspace with a live connection to
that account (at most one, by the one-workspace-per-account rule) and ignored otherwise, so a
stray or foreign event can never write into a workspace.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from app.integrations.tables import ConnectionStatus, StripeConnection
from app.stripe_data import upserts
from app.stripe_data.budget import BudgetedReader
from app.stripe_data.tables import StripeInvoice, StripeInvoiceLine

log = logging.getLogger(__name__)

DATA_EVENT_TYPES = (
    "customer.created", "customer.updated", "customer.deleted",
    "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
    "customer.subscription.paused", "customer.subscription.resumed", "customer.subscription.trial_will_end",
    "invoice.created", "invoice.updated", "invoice.finalized", "invoice.paid", "invoice.payment_failed",
    "invoice.payment_succeeded", "invoice.payment_action_required", "invoice.sent", "invoice.voided",
    "invoice.marked_uncollectible", "invoice.overdue", "invoice.deleted",
    "charge.succeeded", "charge.failed", "charge.captured", "charge.updated", "charge.pending", "charge.expired",
    "charge.refunded", "charge.refund.updated",
    "refund.created", "refund.updated", "refund.failed",
)


async def live_workspaces(account_id: str) -> list[int]:
    """Workspaces currently connected to the account (empty: the event is not ours to apply)."""
    rows = await StripeConnection.select(StripeConnection.workspace).where(
        (StripeConnection.stripe_account_id == account_id)
        & (StripeConnection.status == ConnectionStatus.connected.value)
    )
    return [row["workspace"] for row in rows]


async def complete_invoice_lines(workspace_id: int, reader: BudgetedReader, invoice: dict) -> None:
    """Page the lines Stripe did not embed (it embeds the first 10), then mark the invoice complete."""
    lines = invoice.get("lines") or {}
    if not lines.get("has_more"):
        return
    cursor = (lines.get("data") or [{}])[-1].get("id")
    while True:
        params = {"limit": 100, **({"starting_after": cursor} if cursor else {})}
        page = await asyncio.to_thread(reader.get, f"/v1/invoices/{invoice['id']}/lines", **params)
        await upserts.upsert_lines(workspace_id, reader.account_id, invoice["id"], page["data"])
        if not page.get("has_more") or not page["data"]:
            break
        cursor = page["data"][-1]["id"]
    await upserts.mark_lines_complete(workspace_id, invoice["id"])


async def apply_event(workspace_id: int, event: dict, reader: BudgetedReader | None = None) -> bool:
    """Upsert the object an event carries into one workspace; returns False for events we don't keep."""
    obj = (event.get("data") or {}).get("object") or {}
    if event.get("type") not in DATA_EVENT_TYPES or obj.get("object") not in upserts.KINDS:
        return False
    account_id = str(event.get("account") or "")
    if event["type"] == "invoice.deleted":
        # Only drafts can be deleted; they leave no trace in Stripe, so none here either.
        await StripeInvoiceLine.delete().where((StripeInvoiceLine.workspace == workspace_id)
                                               & (StripeInvoiceLine.invoice_id == obj["id"]))
        await StripeInvoice.delete().where((StripeInvoice.workspace == workspace_id)
                                           & (StripeInvoice.stripe_id == obj["id"]))
        return True
    await upserts.upsert_objects(workspace_id, account_id, [obj], deleted=event["type"] == "customer.deleted")
    if obj["object"] == "invoice" and (obj.get("lines") or {}).get("has_more"):
        await complete_invoice_lines(workspace_id, reader or BudgetedReader(account_id), obj)
    return True


async def handle(event: dict) -> None:
    """The webhook handler: apply to the account's live workspace(s), ignore an unconnected account."""
    account_id = str(event.get("account") or "")
    workspaces = await live_workspaces(account_id) if account_id else []
    if not workspaces:
        log.info("ignoring stripe event %s for unconnected account %s", event.get("id"), account_id or "-")
        return
    for workspace_id in workspaces:
        await apply_event(workspace_id, event)


HANDLERS: dict[str, Callable[[dict], Awaitable[None]]] = {name: handle for name in DATA_EVENT_TYPES}
