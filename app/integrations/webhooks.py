"""Stripe webhooks: verify the signature, store the event once, and process it in a task.

Verification uses the SDK's own signature check (HMAC-SHA256 over "t.payload", 5-minute
tolerance) with each configured endpoint secret in turn (STRIPE_WEBHOOK_SECRET lists one per endpoint,
plus the old one while rotating), so a forged, altered or stale delivery is refused before anything is stored.
The unique event id makes Stripe's retries and replays harmless.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

import stripe

from app.core.timeutil import utcnow
from app.integrations import services
from app.integrations.tables import StripeEvent
from app.settings import get_settings

log = logging.getLogger(__name__)


class InvalidWebhook(ValueError):
    """The payload or its signature did not verify."""


def verify(payload: bytes, signature: str) -> dict:
    """Return the event as plain JSON data, or raise InvalidWebhook without echoing the payload.

    The SDK checks the signature against every configured secret; the event itself is the payload parsed as
    plain JSON, because the SDK's objects turn Stripe's decimal strings (unit_amount_decimal, quantity_decimal)
    into Decimal, which neither json.dumps nor our handlers expect.
    """
    if not signature:
        raise InvalidWebhook("missing Stripe-Signature header")
    if not any(_signed_with(payload, signature, secret) for secret in get_settings().stripe_webhook_secrets):
        raise InvalidWebhook("signature does not match")
    try:
        event = json.loads(payload)
    except ValueError:
        raise InvalidWebhook("payload is not valid JSON") from None
    if not isinstance(event, dict):
        raise InvalidWebhook("payload is not a Stripe event")
    return event


def _signed_with(payload: bytes, signature: str, secret: str) -> bool:
    """The delivery verifies with this endpoint secret (each endpoint, and each rotation, has its own)."""
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE)
    except stripe.SignatureVerificationError:
        return False
    return True


async def store(event: dict) -> StripeEvent | None:
    """Persist a verified event; returns None when this event id was already stored (a replay)."""
    event_id = str(event.get("id") or "")
    if not event_id:
        raise InvalidWebhook("event has no id")
    if await StripeEvent.exists().where(StripeEvent.event_id == event_id):
        return None
    row = StripeEvent(
        event_id=event_id,
        event_type=str(event.get("type") or ""),
        account=str(event.get("account") or ""),
        livemode=bool(event.get("livemode")),
        payload=json.dumps(event),
        received_at=utcnow(),
    )
    try:
        await row.save()
    except Exception:
        if await StripeEvent.exists().where(StripeEvent.event_id == event_id):
            return None
        raise
    return row


async def _on_deauthorized(event: dict) -> None:
    account = event.get("account") or ""
    if account:
        created = event.get("created")
        revoked_at = datetime.fromtimestamp(int(created), UTC) if created else None
        await services.handle_deauthorized(account, revoked_at)


Handler = Callable[[dict], Awaitable[None]]

# The connection's own events; the data events' handlers live with the data (`stripe_data.events.WEBHOOK_HANDLERS`).
EVENT_HANDLERS: dict[str, Handler] = {
    "account.application.deauthorized": _on_deauthorized,
}


def with_handlers(handlers: Mapping[str, Handler], added: Mapping[str, Handler]) -> dict[str, Handler]:
    """`handlers` plus `added`: a type that already had a handler keeps it, and it runs first, then the added one.

    Each feature (payout accounts, credits, recharges) adds its handlers this way, so none displaces another's.
    """

    def both(first: Handler, second: Handler) -> Handler:
        async def handle(event: dict) -> None:
            await first(event)
            await second(event)

        return handle

    combined = dict(handlers)
    for event_type, ours in added.items():
        existing = handlers.get(event_type)
        combined[event_type] = both(existing, ours) if existing else ours
    return combined


def by_endpoint(connect: Mapping[str, Handler], platform: Mapping[str, Handler]) -> dict[str, Handler]:
    """One handler per event type that picks by the endpoint the event came to.

    Stripe names `account` only on events sent to a Connect endpoint, so an event without it is the platform's own
    (Checkout, the plan subscriptions) and one with it is a connected account's, even for the same type: an
    agency's `customer.subscription.updated` must never touch its ClientPulse plan, nor ours its synced data.
    """

    def route(event_type: str) -> Handler:
        async def handler(event: dict) -> None:
            chosen = (connect if event.get("account") else platform).get(event_type)
            if chosen is not None:
                await chosen(event)

        return handler

    return {event_type: route(event_type) for event_type in {*connect, *platform}}


async def process(event_row_id: int, handlers: Mapping[str, Handler]) -> bool:
    """Apply one stored event; idempotent (a processed event is skipped).

    Args:
        event_row_id: StripeEvent.id of the stored, verified event.
        handlers: event type -> handler; a type without one is marked processed and otherwise ignored.

    Returns:
        True when it was processed in this call.
    """
    row = await StripeEvent.objects().where(StripeEvent.id == event_row_id).first()
    if row is None or row.processed_at is not None:
        return False
    handler = handlers.get(row.event_type)
    await StripeEvent.update({StripeEvent.attempts: StripeEvent.attempts + 1}).where(StripeEvent.id == row.id)
    try:
        if handler is not None:
            await handler(json.loads(row.payload))
    except Exception as exc:
        await StripeEvent.update({StripeEvent.last_error: type(exc).__name__}).where(StripeEvent.id == row.id)
        raise
    await StripeEvent.update({StripeEvent.processed_at: utcnow()}).where(StripeEvent.id == row.id)
    return True
