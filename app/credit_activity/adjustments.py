"""An owner's adjustment of a client's credits: a signed whole number with a reason, recorded in the ledger.
The only way an owner changes credits by hand (the client page's form); the ledger keeps the reason.
"""

from __future__ import annotations

import re

from app.auto_billing.services import require_view
from app.core.errors import ValidationFailed
from app.credits import ledger
from app.credits.ledger import Appended, InsufficientCredits
from app.credits.tables import EntryKind
from app.workspaces.services import Actor

# A correction, not a sale: larger amounts are a typo far more often than an intent (400 of the $10 packs).
MAX_ADJUSTMENT = 1_000_000
MAX_REASON = 500
_CREDITS = re.compile(r"^[+-]?[0-9]{1,9}$")
# The form's one-time token (secrets.token_hex(16)): a double click or a resent form records once.
_NONCE = re.compile(r"^[0-9a-f]{32}$")


def parse_credits(text: str) -> int:
    """A signed whole number of credits within the bounds ("1,000", "+50" and "-20" are fine).

    Raises:
        ValidationFailed: not a whole number, zero, or past the bounds (field `credits`).
    """
    cleaned = (text or "").replace(",", "").replace(" ", "").replace("\u2212", "-")
    if not _CREDITS.match(cleaned):
        raise _invalid("credits", "Enter a whole number of credits, e.g. 500 to add or -500 to take away.")
    credits = int(cleaned)
    if credits == 0:
        raise _invalid("credits", "Enter a number of credits other than 0.")
    if abs(credits) > MAX_ADJUSTMENT:
        raise _invalid("credits", f"Adjust by at most {MAX_ADJUSTMENT:,} credits at a time.")
    return credits


def parse_reason(text: str) -> str:
    """The reason, trimmed; required and bounded (field `reason`)."""
    reason = " ".join((text or "").split())
    if not reason:
        raise _invalid("reason", "Enter a reason: it is kept with the adjustment for everyone to see.")
    if len(reason) > MAX_REASON:
        raise _invalid("reason", f"Keep the reason under {MAX_REASON} characters.")
    return reason


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed({field: message}, message)


async def record_adjustment(actor: Actor, client_id: int, credits: str, reason: str, nonce: str = "") -> Appended:
    """Add (or take away) credits for the client, with the owner's reason, as an `adjustment` ledger entry.

    A negative adjustment may not take the balance below zero (a refund may; a correction should not create debt).

    Args:
        actor: the owner acting; the workspace comes from here, never from the form.
        client_id: the client whose credits change.
        credits: the form's text: a signed whole number.
        reason: why, shown in the list and kept as the entry's description.
        nonce: the form's one-time token; the same token records once.

    Raises:
        PlanRequired: the workspace is not on the Agency plan.
        NotFound: the client is not this workspace's.
        PermissionDenied: the actor is a teammate.
        ValidationFailed: bad credits or reason, or not enough credits to take away; nothing changed.
    """
    require_view(actor)
    await ledger.client_in_workspace(actor.workspace_id, client_id)
    actor.require_owner("adjust a client's credits")
    errors: dict[str, str] = {}
    amount, why = 0, ""
    try:
        amount = parse_credits(credits)
    except ValidationFailed as exc:
        errors |= exc.errors
    try:
        why = parse_reason(reason)
    except ValidationFailed as exc:
        errors |= exc.errors
    if errors:
        raise ValidationFailed(errors)
    key = f"adjustment:{actor.workspace_id}:{nonce}" if _NONCE.match(nonce or "") else None
    try:
        return await ledger.append(
            actor.workspace_id,
            client_id,
            EntryKind.adjustment,
            amount,
            dedupe_key=key,
            floor=0 if amount < 0 else None,
            description=why,
            created_by=actor.user.id,
        )
    except InsufficientCredits as exc:
        raise _invalid("credits", f"{exc.message} Take away at most {max(exc.balance, 0):,}.") from None
