"""Stripe's `payment_intent.succeeded` for a recharge: the backstop that credits it if our own answer was lost.

The consumer that created the PaymentIntent credits it from Stripe's answer; this handler does the same from the
webhook, under the same "pi:<id>" key, so whichever comes first credits and the other finds the entry. It trusts
only what it refetches from Stripe, as the connected account the event came from, and only when that account is
the workspace's payout account and the recharge's own.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.auto_billing.tables import PayoutAccount
from app.credits import recharge_charge, stripe_reads
from app.integrations import webhooks


async def on_payment_intent_succeeded(event: dict) -> None:
    intent = (event.get("data") or {}).get("object") or {}
    meta = intent.get("metadata") or {}
    account_id = str(event.get("account") or "")
    if meta.get("clientpulse_kind") != "auto_recharge" or not str(meta.get("clientpulse_recharge", "")).isdigit():
        return
    row = await recharge_charge.fetch(int(meta["clientpulse_recharge"]))
    if row is None or not account_id or row["stripe_account_id"] != account_id:
        return
    if row["payment_intent_id"] and row["payment_intent_id"] != intent.get("id"):
        return  # not the PaymentIntent this recharge made
    payout = await PayoutAccount.exists().where(
        (PayoutAccount.workspace == row["workspace"]) & (PayoutAccount.stripe_account_id == account_id)
    )
    if not payout:
        return
    fresh = await stripe_reads.fetch(stripe_reads.payment_intent, account_id, str(intent.get("id")))
    if (fresh.get("metadata") or {}).get("clientpulse_recharge") == str(row["id"]):
        await recharge_charge.settle(row, fresh)


def with_recharge_handlers(handlers: Mapping[str, webhooks.Handler]) -> dict[str, webhooks.Handler]:
    """`handlers` plus ours; a type that already had a handler keeps it, and it runs first."""
    return webhooks.with_handlers(handlers, {"payment_intent.succeeded": on_payment_intent_succeeded})
