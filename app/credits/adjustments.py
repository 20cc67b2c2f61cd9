"""An owner's correction of a client's credits: a signed number of credits, with the reason the ledger keeps.

Only owners may adjust (a teammate gets PermissionDenied). Taking credits away may not take the balance below zero:
a negative balance is what a refund leaves, never a correction.
"""

from __future__ import annotations

from typing import Any

from app.core.errors import ValidationFailed
from app.credits import ledger
from app.credits.tables import EntryKind
from app.workspaces.services import Actor

MAX_CREDITS = 10_000_000
MAX_REASON = 500


def _credits(raw: str | int | None) -> int:
    text = str(raw if raw is not None else "").strip().replace(",", "").replace(" ", "")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if not digits.isdigit() or text.count("-") + text.count("+") > 1:
        raise ValidationFailed({"credits": "Enter the credits as a whole number, e.g. 500 or -200."})
    value = sign * int(digits)
    if value == 0:
        raise ValidationFailed({"credits": "Enter a number of credits other than zero."})
    if abs(value) > MAX_CREDITS:
        raise ValidationFailed({"credits": f"Adjust by at most {MAX_CREDITS:,} credits at a time."})
    return value


def _reason(raw: str | None) -> str:
    text = " ".join(str(raw or "").split())
    if not text:
        raise ValidationFailed({"reason": "Say why you are adjusting the credits: the client's history shows it."})
    if len(text) > MAX_REASON:
        raise ValidationFailed({"reason": f"Keep the reason under {MAX_REASON} characters."})
    return text


async def adjust(actor: Actor, client_id: int, credits: str | int | None, reason: str | None) -> dict[str, Any]:
    """Add (or, negative, take) `credits` for the client with `reason`; returns the entry."""
    actor.require_owner("adjust a client's credits")
    await ledger.client_in_workspace(actor.workspace_id, client_id)
    errors: dict[str, str] = {}
    amount = text = None
    try:
        amount = _credits(credits)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        text = _reason(reason)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors or amount is None or text is None:
        raise ValidationFailed(errors)
    try:
        appended = await ledger.append(
            actor.workspace_id,
            client_id,
            EntryKind.adjustment,
            amount,
            floor=0 if amount < 0 else None,
            description=text,
            created_by=actor.user.id,
        )
    except ledger.InsufficientCredits as exc:
        noun = "credit" if exc.balance == 1 else "credits"
        raise ValidationFailed(
            {"credits": f"That would take the balance below zero: it is {exc.balance:,} {noun}."}
        ) from None
    return appended.entry
