"""Stripe's events about payout accounts: each one makes ClientPulse ask Stripe for the account again.

Refetching instead of applying the event's snapshot is what keeps repeated and out-of-order deliveries harmless:
whatever order they arrive in, the last fetch stores Stripe's latest state. An event for any other account
(a read-only connection's, or nobody's) passes through untouched to the handlers that were already there.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.auto_billing import services
from app.integrations import webhooks

PAYOUT_ACCOUNT_EVENTS = (
    "account.updated",
    "payout.created",
    "payout.updated",
    "payout.paid",
    "payout.failed",
    "payout.canceled",
)


async def on_payout_account_event(event: dict) -> None:
    account = await services.note_event(str(event.get("account") or ""), int(event.get("created") or 0))
    if account is not None:
        # Raising lets the task retry: a missed refetch would leave the panel behind Stripe.
        await services.refresh_status(account.id, raise_errors=True)


def with_payout_account_handlers(handlers: Mapping[str, webhooks.Handler]) -> dict[str, webhooks.Handler]:
    """`handlers` plus ours; a type that already had a handler keeps it, and it runs first."""
    return webhooks.with_handlers(handlers, dict.fromkeys(PAYOUT_ACCOUNT_EVENTS, on_payout_account_event))
