"""Stripe's events about credit payments on payout accounts: each one makes ClientPulse ask Stripe again.

`checkout.session.completed` (payment mode) and `payment_intent.succeeded` credit a purchase; `charge.refunded`,
`refund.created` and `refund.updated` take back what refunds paid for, and `refund.failed`, `refund.updated` and
`charge.refund.updated` give it back when a refund fails later. The event only says which PaymentIntent to
look at: what is credited comes from Stripe's own copy, fetched as the account the verified event came from, so a
repeated, late or out-of-order delivery converges on the same single entry. An event without our metadata, or from
an account that is no workspace's payout account (a read-only connection's, say), passes through untouched to the
handlers that were already there for its type.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.auto_billing.tables import PayoutAccount
from app.credits import purchases, refunds
from app.integrations import webhooks


def _object(event: dict) -> dict:
    return ((event.get("data") or {}).get("object")) or {}


async def _payout_account(event: dict) -> str:
    """The event's account when it is some workspace's payout account, else ""."""
    account = str(event.get("account") or "")
    if account and await PayoutAccount.exists().where(PayoutAccount.stripe_account_id == account):
        return account
    return ""


async def on_checkout_completed(event: dict) -> None:
    session = _object(event)
    if session.get("mode") != "payment" or not purchases.is_ours(session.get("metadata")):
        return
    payment_intent = purchases.stripe_id(session.get("payment_intent"))
    if payment_intent and (account := await _payout_account(event)):
        await purchases.credit_payment_intent(account, payment_intent)


async def on_payment_intent_succeeded(event: dict) -> None:
    intent = _object(event)
    if not purchases.is_ours(intent.get("metadata")) or not intent.get("id"):
        return
    if (intent.get("metadata") or {}).get("clientpulse_kind") == "auto_recharge":
        return  # the recharge's own handler (recharge_events) credits it, refetching it once with its own checks
    if account := await _payout_account(event):
        await purchases.credit_payment_intent(account, str(intent["id"]))


async def on_refund_event(event: dict) -> None:
    """A charge (`charge.refunded`) or a refund (`refund.*`, `charge.refund.updated`): each names the PaymentIntent
    whose refunds to settle, whichever way they went."""
    payment_intent = purchases.stripe_id(_object(event).get("payment_intent"))
    if payment_intent and (account := await _payout_account(event)):
        await refunds.apply_refunds(account, payment_intent)


CREDIT_HANDLERS: dict[str, webhooks.Handler] = {
    "checkout.session.completed": on_checkout_completed,
    "payment_intent.succeeded": on_payment_intent_succeeded,
    "charge.refunded": on_refund_event,
    "refund.created": on_refund_event,
    "refund.updated": on_refund_event,
    "refund.failed": on_refund_event,
    "charge.refund.updated": on_refund_event,
}


def with_credit_handlers(handlers: Mapping[str, webhooks.Handler]) -> dict[str, webhooks.Handler]:
    """`handlers` plus ours; a type that already had a handler keeps it, and it runs first."""
    return webhooks.with_handlers(handlers, CREDIT_HANDLERS)
