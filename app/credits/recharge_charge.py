"""Charging a claimed recharge: an off-session PaymentIntent on the agency's account, and what its answer means.

Never twice, whatever crashes: the PaymentIntent is created with the recharge's id as Stripe's idempotency key and
with parameters stored on the row at claim time, so a rerun (a consumer killed after Stripe charged, the sweep, a
duplicate task) gets the first PaymentIntent back instead of a second charge; and the credit is appended under
"pi:<PaymentIntent id>", the key the purchase webhooks use too, so whichever path sees the success first credits and
the others find the entry. The row's status moves by conditional updates, so the emails of a decline go once.

The Stripe calls block (the SDK's sync client) and run in a thread.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import stripe

from app.core.timeutil import utcnow
from app.credits import ledger, purchases, recharge_emails, stripe_reads
from app.credits.tables import IN_FLIGHT, CreditAccount, EntryKind, Recharge, RechargeStatus
from app.integrations.stripe_client import platform_client

log = logging.getLogger(__name__)

# After a decline, no charge is tried again for this long (unless the client turns auto-recharge on again).
RECHARGE_COOLDOWN = timedelta(hours=24)
AUTHENTICATION_REQUIRED = "authentication_required"
WAITING_FOR_CLIENT = "Waiting for the client to confirm a payment with their bank."
NOT_CONFIRMED = "The bank asked the client to confirm a top-up, and it was not confirmed in time."
_CHARGEABLE = (RechargeStatus.pending.value, RechargeStatus.charging.value)
_OPEN = tuple(status.value for status in IN_FLIGHT)


def idempotency_key(recharge_id: int) -> str:
    return f"clientpulse-recharge-{recharge_id}"


def metadata(row: dict[str, Any]) -> dict[str, str]:
    """The contract's metadata (issue 14): the purchase's keys, with kind auto_recharge and the recharge's id."""
    prices = {key: row[key] for key in ("final_price_per_credit", "platform_price_per_credit", "cost_per_credit")}
    return purchases.order_metadata(
        EntryKind.auto_recharge, row["workspace"], row["client"], row["credits"], prices, recharge_id=row["id"]
    )


def _create_payment_intent(row: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {
        "amount": row["amount_minor"],
        "currency": row["currency"],
        "customer": row["stripe_customer_id"],
        "payment_method": row["payment_method_id"],
        "confirm": True,
        "off_session": True,
        "metadata": metadata(row),
        "description": f"{row['credits']:,} credits (automatic top-up)",
    }
    if row["application_fee_minor"]:
        params["application_fee_amount"] = row["application_fee_minor"]
    intent = platform_client().v1.payment_intents.create(
        params=params,
        options={"stripe_account": row["stripe_account_id"], "idempotency_key": idempotency_key(row["id"])},
    )
    return intent.to_dict()


def _confirm_on_session(row: dict[str, Any], return_url: str) -> dict[str, Any]:
    intent = platform_client().v1.payment_intents.confirm(
        row["payment_intent_id"],
        params={"payment_method": row["payment_method_id"], "return_url": return_url},
        options={"stripe_account": row["stripe_account_id"]},
    )
    return intent.to_dict()


async def fetch(recharge_id: int) -> dict[str, Any] | None:
    return await Recharge.select().where(Recharge.id == recharge_id).first()


async def run(recharge_id: int) -> str:
    """Charge a claimed recharge (or ask Stripe again for the answer it already gave); returns the status after.

    Safe to run twice and at once: the idempotency key makes Stripe answer with the first PaymentIntent.

    Raises:
        stripe.StripeError: Stripe could not be reached or refused for a reason other than the card (the task
            retries; the row stays `charging` for the sweep).
    """
    row = await fetch(recharge_id)
    if row is None or row["status"] not in _CHARGEABLE:
        return row["status"] if row else "missing"
    await Recharge.update(
        {
            Recharge.status: RechargeStatus.charging.value,
            Recharge.attempts: Recharge.attempts + 1,
            Recharge.updated_at: utcnow(),
        },
        use_auto_update=False,
    ).where((Recharge.id == recharge_id) & Recharge.status.is_in(list(_CHARGEABLE)))
    try:
        intent = await asyncio.to_thread(_create_payment_intent, row)
    except stripe.CardError as exc:
        return await _card_error(row, exc)
    except stripe.IdempotencyError as exc:
        if exc.http_status == 409:
            raise  # the same key still in progress elsewhere: retry later, and get its answer then
        # Only if the stored parameters changed under the same key: a bug, never a reason to charge again.
        log.error("recharge %s: idempotency error %s", recharge_id, exc.user_message)
        await _finish(row, RechargeStatus.failed, error_code="idempotency_error", error=str(exc.user_message or ""))
        return RechargeStatus.failed.value
    return await settle(row, intent)


async def _card_error(row: dict[str, Any], exc: stripe.CardError) -> str:
    error = exc.error
    intent = error.payment_intent if error is not None else None
    intent_id = intent.id if intent is not None else ""
    code = (error.code if error is not None else None) or exc.code or "card_declined"
    message = (error.message if error is not None else None) or "Your card was declined."
    if code == AUTHENTICATION_REQUIRED:
        return await needs_action(row, intent_id, message)
    decline = (error.decline_code if error is not None else None) or code
    return await declined(row, intent_id, decline, message)


async def settle(row: dict[str, Any], intent: dict[str, Any]) -> str:
    """Apply what Stripe says of the recharge's PaymentIntent; credits once when it succeeded.

    A success credits even a row that was given up (canceled): the money was taken, so the credits are owed.
    """
    status = intent.get("status")
    if intent.get("id") and not row["payment_intent_id"]:
        await Recharge.update({Recharge.payment_intent_id: intent["id"]}, use_auto_update=False).where(
            (Recharge.id == row["id"]) & (Recharge.payment_intent_id == "")
        )
        row = {**row, "payment_intent_id": intent["id"]}
    if status == "succeeded":
        await _credit(row, intent)
        return RechargeStatus.succeeded.value
    if status == "requires_action":
        return await needs_action(row, intent["id"], WAITING_FOR_CLIENT)
    if status == "canceled":
        await _finish(row, RechargeStatus.canceled, error="The payment was canceled at Stripe.")
        return RechargeStatus.canceled.value
    # processing (a card rarely), or requires_payment_method after a failed on-session attempt: wait for more.
    return (await fetch(row["id"]) or row)["status"]


async def _credit(row: dict[str, Any], intent: dict[str, Any]) -> None:
    await ledger.append(
        row["workspace"],
        row["client"],
        EntryKind.auto_recharge,
        row["credits"],
        dedupe_key=f"pi:{intent['id']}",
        description=f"Automatic top-up of {row['credits']:,} credits",
        amount_minor=int(intent.get("amount_received") or row["amount_minor"]),
        currency=row["currency"],
        application_fee_minor=row["application_fee_minor"],
        stripe_payment_intent_id=intent["id"],
        stripe_charge_id=str(intent.get("latest_charge") or "")[:64],
        **ledger.price_fields(
            Decimal(row["final_price_per_credit"]),
            Decimal(row["platform_price_per_credit"]),
            Decimal(row["cost_per_credit"]),
        ),
    )
    async with ledger.write_transaction():
        done = await _mark(row["id"], RechargeStatus.succeeded, allowed=None, error_code="", error="")
        if done:
            # The card worked: whatever paused auto-recharge (a decline, a confirmation) is over.
            await _pause(row, "", None)


async def needs_action(row: dict[str, Any], intent_id: str, message: str) -> str:
    """The bank wants the client present: keep the single flight and email the client a confirmation link."""
    moved = await (
        Recharge.update(
            {
                Recharge.status: RechargeStatus.requires_action.value,
                Recharge.payment_intent_id: intent_id or row["payment_intent_id"],
                Recharge.error_code: AUTHENTICATION_REQUIRED,
                Recharge.error: message,
                Recharge.updated_at: utcnow(),
            },
            use_auto_update=False,
        )
        .where((Recharge.id == row["id"]) & Recharge.status.is_in(list(_CHARGEABLE)))
        .returning(Recharge.id)
    )
    if moved:
        recharge_emails.send(await recharge_emails.confirm({**row, "payment_intent_id": intent_id}))
    return RechargeStatus.requires_action.value


async def declined(row: dict[str, Any], intent_id: str, code: str, message: str) -> str:
    """A decline: the recharge fails, auto-recharge pauses for the cooldown, and the client and agency are told."""
    async with ledger.write_transaction():
        moved = await _mark(
            row["id"],
            RechargeStatus.failed,
            allowed=_CHARGEABLE,
            error_code=code[:64],
            error=message,
            intent_id=intent_id,
        )
        if moved:
            await _pause(row, message, utcnow() + RECHARGE_COOLDOWN)
    if moved:
        balance = await ledger.balance(row["workspace"], row["client"])
        recharge_emails.send(await recharge_emails.declined(row, message, balance, RECHARGE_COOLDOWN))
    return RechargeStatus.failed.value


async def give_up(row: dict[str, Any]) -> bool:
    """Cancel a recharge the client never confirmed; auto-recharge stays paused until they turn it on again."""
    async with ledger.write_transaction():
        moved = await _mark(
            row["id"], RechargeStatus.canceled, allowed=(RechargeStatus.requires_action.value,), error=NOT_CONFIRMED
        )
        if moved:
            await _pause(row, NOT_CONFIRMED, None)
    return moved


async def _finish(row: dict[str, Any], status: RechargeStatus, **fields: str) -> bool:
    return await _mark(row["id"], status, allowed=_OPEN, **fields)


async def _mark(
    recharge_id: int,
    status: RechargeStatus,
    *,
    allowed: tuple[str, ...] | None,
    error_code: str | None = None,
    error: str | None = None,
    intent_id: str = "",
) -> bool:
    """Move the row to a final status and release the single flight; False when it was not in `allowed`."""
    values: dict = {Recharge.status: status.value, Recharge.in_flight: None, Recharge.updated_at: utcnow()}
    if error_code is not None:
        values[Recharge.error_code] = error_code
    if error is not None:
        values[Recharge.error] = error
    if intent_id:
        values[Recharge.payment_intent_id] = intent_id
    where = Recharge.id == recharge_id
    where &= Recharge.status.is_in(list(allowed)) if allowed else Recharge.status != status.value
    return bool(await Recharge.update(values, use_auto_update=False).where(where).returning(Recharge.id))


async def _pause(row: dict[str, Any], reason: str, retry_after) -> None:
    """Set (or with "" clear) why auto-recharge stopped for the row's client, and when it may try again."""
    await CreditAccount.update(
        {
            CreditAccount.paused_reason: reason,
            CreditAccount.retry_after: retry_after,
            CreditAccount.updated_at: utcnow(),
        },
        use_auto_update=False,
    ).where((CreditAccount.client == row["client"]) & (CreditAccount.workspace == row["workspace"]))


async def refresh(row: dict[str, Any]) -> str:
    """Ask Stripe for the recharge's PaymentIntent and settle what it says (the return from authentication)."""
    if not row["payment_intent_id"]:
        return row["status"]
    intent = await stripe_reads.fetch(stripe_reads.payment_intent, row["stripe_account_id"], row["payment_intent_id"])
    return await settle(row, intent)


@dataclass(frozen=True)
class Confirmation:
    """Where the client goes next: the bank's page (`redirect`), or the recharge's status (and why it failed)."""

    redirect: str = ""
    status: str = ""
    error: str = ""


async def confirm_on_session(row: dict[str, Any], return_url: str) -> Confirmation:
    """Confirm the PaymentIntent with the client present; the bank's challenge comes back as a redirect."""
    if row["status"] != RechargeStatus.requires_action.value:
        return Confirmation(status=row["status"])
    try:
        intent = await asyncio.to_thread(_confirm_on_session, row, return_url)
    except stripe.CardError as exc:
        return Confirmation(status=row["status"], error=(exc.error.message if exc.error else None) or "Declined.")
    except stripe.InvalidRequestError as exc:
        if exc.code != "payment_intent_unexpected_state":
            raise
        return Confirmation(status=await refresh(row))  # already paid (another tab, the webhook): settle it
    action = intent.get("next_action") or {}
    if intent.get("status") == "requires_action" and action.get("type") == "redirect_to_url":
        return Confirmation(redirect=action["redirect_to_url"]["url"])
    return Confirmation(status=await settle(row, intent))


async def finish_stalled(row: dict[str, Any]) -> bool:
    """Stop rerunning a recharge past Stripe's idempotency window (a rerun could charge twice); a success that
    did happen still arrives by webhook and is credited by `settle`."""
    return await _finish(row, RechargeStatus.canceled, error="Stopped: no answer from Stripe in time.")
