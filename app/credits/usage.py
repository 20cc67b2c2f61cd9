"""Usage: a client spends credits through the usage API, once per idempotency key, never below zero.

`record_usage` is one `ledger.append` with the key as the entry's dedupe key and the floor at zero, so the database
decides both races: two calls with one key write one entry (the key is unique), and fifty concurrent calls cannot
spend more than the balance (the balance moves by a conditional UPDATE in the entry's transaction). The request's
fingerprint, kept on the entry, tells a retry of the same request (the first answer again) from a second request
that reuses the key (refused). When the balance is short, auto-recharge gets one chance to top it up first.

Also the API's reads of a client's credits: the balance with its auto-recharge state, and the ledger in pages.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.validation import MAX_ID
from app.credits import ledger, recharge, spends
from app.credits.tables import CreditAccount, CreditEntry, EntryKind

# One call's credits: far above any real metered event, far below what the balance column holds.
MAX_CREDITS = 100_000_000
DESCRIPTION_LENGTH = 500
KEY_LENGTH = 255
MAX_PAGE = 100


class IdempotencyKeyReused(Conflict):
    """The key was used before for a different request (another client, amount or description): 409."""

    code = "idempotency_key_reused"


@dataclass(frozen=True)
class UsageResult:
    """The usage entry a call recorded, or the one an earlier call with the same key recorded (`replayed`)."""

    entry_id: int
    client_id: int
    credits: int  # spent: a positive number, the entry's credits negated
    balance_after: int
    description: str
    created_at: datetime
    replayed: bool


@dataclass(frozen=True)
class CreditState:
    """A client's balance and auto-recharge settings as the API shows them (an account not yet made reads as new)."""

    client_id: int
    balance: int
    negative_since: datetime | None
    auto_recharge: bool
    recharge_threshold: int
    recharge_usd: int
    paused_reason: str
    retry_after: datetime | None
    card_label: str


def fingerprint(client_id: int, credits: int, description: str) -> str:
    """SHA-256 of the request body in one canonical spelling: equal bodies give equal fingerprints."""
    body = json.dumps({"client": client_id, "credits": credits, "description": description}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def _checked(client_id: int, credits: int, description: str, key: str) -> str:
    """The description to store; ValidationFailed names the first field that is wrong. NotFound for an id no row has."""
    if not isinstance(credits, int) or isinstance(credits, bool) or not 1 <= credits <= MAX_CREDITS:
        raise ValidationFailed({"credits": f"credits must be a whole number from 1 to {MAX_CREDITS:,}."})
    if not isinstance(description, str) or len(description) > DESCRIPTION_LENGTH:
        raise ValidationFailed({"description": f"description must be text of at most {DESCRIPTION_LENGTH} characters."})
    if not isinstance(key, str) or not 1 <= len(key) <= KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise ValidationFailed(
            {"Idempotency-Key": f"The Idempotency-Key header must be 1 to {KEY_LENGTH} printable ASCII characters."}
        )
    if not isinstance(client_id, int) or not 1 <= client_id <= MAX_ID:
        raise NotFound("No such client.")
    return description


def _result(entry: dict[str, Any], replayed: bool) -> UsageResult:
    return UsageResult(
        entry_id=entry["id"],
        client_id=entry["client"],
        credits=-int(entry["credits"]),
        balance_after=int(entry["balance_after"]),
        description=entry["description"],
        created_at=entry["created_at"],
        replayed=replayed,
    )


async def record_usage(
    workspace_id: int, client_id: int, credits: int, description: str, idempotency_key: str
) -> UsageResult:
    """Spend `credits` of the client's balance, once per idempotency key.

    Args:
        workspace_id: the API token's workspace; the client must be one of its clients.
        client_id: the client spending.
        credits: how many, 1 to MAX_CREDITS.
        description: what for, at most DESCRIPTION_LENGTH characters ("" allowed).
        idempotency_key: the caller's key for this request, 1 to KEY_LENGTH printable ASCII characters.

    Returns:
        The recorded entry; with `replayed` when an earlier call with this key and the same body had recorded it.

    Raises:
        ValidationFailed: a field is out of bounds (nothing recorded).
        NotFound: no such client in the workspace (another workspace's included).
        IdempotencyKeyReused: the key was used for a different body (nothing recorded).
        InsufficientCredits: the balance is short and auto-recharge did not cover it (nothing recorded).
    """
    description = _checked(client_id, credits, description, idempotency_key)
    body_print = fingerprint(client_id, credits, description)
    key = f"usage:{workspace_id}:{idempotency_key}"
    fields = {"request_fingerprint": body_print, "description": description}
    spend = {"dedupe_key": key, "floor": 0, **fields}
    batched = await spends.spend(spends.Spend(workspace_id, client_id, credits, key, fields))
    if batched is not None:
        await recharge.after_usage(workspace_id, client_id, account=batched.account, recharging=batched.recharging)
        return _result(batched.entry, replayed=False)
    try:
        appended = await ledger.append(workspace_id, client_id, EntryKind.usage, -credits, **spend)
    except ledger.InsufficientCredits:
        # Auto-recharge may top the balance up and wait for it; without it (or when it fails) the refusal stands.
        if not await recharge.ensure_funds(workspace_id, client_id, credits):
            raise
        appended = await ledger.append(workspace_id, client_id, EntryKind.usage, -credits, **spend)
    if appended.entry["request_fingerprint"] != body_print:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different request (another client, number of credits or "
            "description). Use a new key for a new request."
        )
    if appended.created:
        await recharge.after_usage(workspace_id, client_id)
    return _result(appended.entry, replayed=not appended.created)


async def credit_state(workspace_id: int, client_id: int) -> CreditState:
    """The client's balance and auto-recharge settings, without making an account row for a read.

    Raises:
        NotFound: no such client in the workspace.
    """
    if not 1 <= client_id <= MAX_ID:
        raise NotFound("No such client.")
    row = (
        await CreditAccount.select()
        .where((CreditAccount.client == client_id) & (CreditAccount.workspace == workspace_id))
        .first()
    )
    if row is None:
        await ledger.client_in_workspace(workspace_id, client_id)
        row = {"balance": 0, "negative_since": None, "auto_recharge": False, "recharge_threshold": 0}
        row |= {"recharge_usd": 0, "paused_reason": "", "retry_after": None, "card_label": ""}
    return CreditState(
        client_id=client_id,
        balance=int(row["balance"]),
        negative_since=row["negative_since"],
        auto_recharge=bool(row["auto_recharge"]),
        recharge_threshold=int(row["recharge_threshold"]),
        recharge_usd=int(row["recharge_usd"]),
        paused_reason=row["paused_reason"],
        retry_after=row["retry_after"],
        card_label=row["card_label"],
    )


async def ledger_page(
    workspace_id: int, client_id: int, limit: int, starting_after: int | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """One page of the client's entries, newest first, and whether older ones follow.

    Args:
        starting_after: an entry id of this client: the page holds the entries before it.

    Raises:
        NotFound: no such client in the workspace.
        ValidationFailed: `starting_after` is no entry of this client (keyed "starting_after").
    """
    if not 1 <= client_id <= MAX_ID:
        raise NotFound("No such client.")
    await ledger.client_in_workspace(workspace_id, client_id)
    limit = max(1, min(limit, MAX_PAGE))
    if starting_after is not None and not (
        1 <= starting_after <= MAX_ID
        and await CreditEntry.exists().where(
            (CreditEntry.id == starting_after)
            & (CreditEntry.client == client_id)
            & (CreditEntry.workspace == workspace_id)
        )
    ):
        raise ValidationFailed({"starting_after": f"No such ledger entry of this client: '{starting_after}'."})
    rows = await ledger.entries(workspace_id, client_id, limit=limit + 1, before_id=starting_after or 0)
    return rows[:limit], len(rows) > limit
