"""The credit ledger's rules: append an entry and move the cached balance with it, exactly once per outside fact.

Every change of a client's credits goes through `append`. In one write transaction it moves the account's cached
balance (refusing to go below a floor when asked) and inserts the entry with the balance after it. An entry with a
`dedupe_key` that is already in the ledger changes nothing and hands back the first entry: that is what makes a
webhook delivered ten times, two events for one payment, or a retried usage call count once. The database decides,
not a lock in memory: the key is unique, and the balance moves in the same transaction as the insert.
The one other writer is `spends`, which writes concurrent usage calls in one transaction under the same rules (the
unique key, the floor at zero, the balance moved with the entries) and leaves every case but the plain one to
`append`.

Every function takes the workspace id from its caller (the session's actor, the API token, the verified webhook's
account) and never reads it from a request.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from piccolo.engine.sqlite import TransactionType
from piccolo.query.functions.aggregate import Sum

from app.clients.tables import Client
from app.core.errors import DomainError, NotFound
from app.core.timeutil import utcnow
from app.credits.tables import CreditAccount, CreditEntry, EntryKind

# Entry columns a caller may set besides the ones `append` fills in itself.
ENTRY_FIELDS = frozenset(
    {
        "request_fingerprint",
        "description",
        "amount_minor",
        "currency",
        "application_fee_minor",
        "final_price_per_credit",
        "platform_price_per_credit",
        "cost_per_credit",
        "stripe_payment_intent_id",
        "stripe_charge_id",
        "stripe_refund_id",
        "created_by",
    }
)


class InsufficientCredits(DomainError):
    """The change would take the balance below what the caller allows; `balance` is the balance now."""

    def __init__(self, balance: int, wanted: int) -> None:
        noun = "credit" if balance == 1 else "credits"
        super().__init__(f"Not enough credits: the balance is {balance:,} {noun} and this needs {wanted:,}.")
        self.balance = balance
        self.wanted = wanted


@dataclass(frozen=True)
class Appended:
    """The entry that holds the fact, and whether this call wrote it (False: an earlier one had)."""

    entry: dict[str, Any]
    created: bool


class _AlreadyRecorded(Exception):
    """Raised inside the transaction to roll the balance back when the entry's key was already taken."""


class _NotMoved(Exception):
    """Raised inside the transaction when the balance did not move: no account yet, or the floor refused."""


_WRITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _writers_of_this_loop() -> asyncio.Lock:
    """Queue this process's SQLite writers (per event loop) before they ask SQLite for its write lock.

    Not for correctness, which SQLite's lock gives across processes: for fairness. A writer SQLite refuses sleeps in
    its busy handler and retries, so under many concurrent usage calls one could wait 20 s while later ones got in
    (the usage benchmark); queued here, they take turns in order and none sleeps.
    """
    loop = asyncio.get_running_loop()
    if (lock := _WRITERS.get(loop)) is None:
        lock = _WRITERS[loop] = asyncio.Lock()
    return lock


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction that holds the write lock from its first statement on SQLite.

    A deferred SQLite transaction that reads first and writes later cannot wait for another writer: it fails with
    "database is locked" at once. IMMEDIATE takes the lock up front and waits its turn (the engine's timeout).
    """
    db = CreditEntry._meta.db
    if db.engine_type == "sqlite":
        # Inside a transaction already, this task holds the turn: waiting for it again would wait forever.
        turn = nullcontext() if db.current_transaction.get() is not None else _writers_of_this_loop()
        async with turn, db.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with db.transaction():
            yield


async def hold(workspace_id: int, client_id: int) -> None:
    """Hold the client's credit account until the current write transaction ends, so writers that read the ledger
    before they append take turns: its row lock on PostgreSQL; on SQLite, `write_transaction` holds the write lock."""
    if CreditAccount._meta.db.engine_type == "postgres":
        await (
            CreditAccount.select(CreditAccount.id)
            .where((CreditAccount.client == client_id) & (CreditAccount.workspace == workspace_id))
            .lock_rows("UPDATE")
        )


async def client_in_workspace(workspace_id: int, client_id: int) -> None:
    """NotFound unless the client belongs to the workspace: another workspace's id reads as nonexistent."""
    if not await Client.exists().where((Client.id == client_id) & (Client.workspace == workspace_id)):
        raise NotFound("We couldn't find that client.")


async def account(workspace_id: int, client_id: int) -> dict[str, Any]:
    """The client's credit account, made on first use (balance 0, auto-recharge off)."""
    await client_in_workspace(workspace_id, client_id)
    now = utcnow()
    await CreditAccount.insert(
        CreditAccount(workspace=workspace_id, client=client_id, created_at=now, updated_at=now)
    ).on_conflict(action="DO NOTHING")
    row = (
        await CreditAccount.select()
        .where((CreditAccount.client == client_id) & (CreditAccount.workspace == workspace_id))
        .first()
    )
    assert row is not None  # inserted above, or already there; the cascade is the only delete
    return row


async def balance(workspace_id: int, client_id: int) -> int:
    """The client's credits now (the cached balance; `ledger_balance` sums the entries)."""
    return int((await account(workspace_id, client_id))["balance"])


async def ledger_balance(workspace_id: int, client_id: int) -> int:
    """The sum of the client's ledger entries: what the cached balance must equal."""
    rows = await (
        CreditEntry.select(CreditEntry.credits.as_alias("credits"))
        .where((CreditEntry.workspace == workspace_id) & (CreditEntry.client == client_id))
        .output(as_list=True)
    )
    return sum(int(credits) for credits in rows)


async def entries(
    workspace_id: int, client_id: int, *, kinds: tuple[EntryKind, ...] = (), limit: int = 50, before_id: int = 0
) -> list[dict[str, Any]]:
    """The client's entries, newest first; `before_id` pages back through older ones."""
    query = CreditEntry.select().where((CreditEntry.workspace == workspace_id) & (CreditEntry.client == client_id))
    if kinds:
        query = query.where(CreditEntry.kind.is_in([kind.value for kind in kinds]))
    if before_id:
        query = query.where(CreditEntry.id < before_id)
    return await query.order_by(CreditEntry.id, ascending=False).limit(limit)


async def entry_by_key(dedupe_key: str) -> dict[str, Any] | None:
    return await CreditEntry.select().where(CreditEntry.dedupe_key == dedupe_key).first()


async def append(
    workspace_id: int,
    client_id: int,
    kind: EntryKind,
    credits: int,
    *,
    dedupe_key: str | None = None,
    floor: int | None = None,
    **fields: Any,
) -> Appended:
    """Record `credits` (signed) for the client, once per `dedupe_key`.

    `floor`: refuse with InsufficientCredits when the balance after would be below it (usage passes 0); None lets
    the balance go anywhere (a refund may take it negative). An existing entry with the key wins over the floor:
    a repeated call gets the first call's result, whatever happened to the balance since.

    The usual case is one transaction of two statements (move the balance, insert the entry), which is what lets
    the usage API keep up with a metering integration: a repeated key is found by the insert's conflict (and the
    move rolled back), a missing account by the move matching no row (then made, which checks the client is the
    workspace's, and tried again).
    """
    unknown = set(fields) - ENTRY_FIELDS
    if unknown:
        raise TypeError(f"not ledger entry fields: {sorted(unknown)}")
    for first_try in (True, False):
        now = utcnow()
        try:
            async with write_transaction():
                if (after := await _move_balance(workspace_id, client_id, credits, floor, now)) is None:
                    raise _NotMoved
                inserted = await (
                    CreditEntry.insert(
                        CreditEntry(
                            workspace=workspace_id,
                            client=client_id,
                            kind=kind.value,
                            credits=credits,
                            balance_after=after,
                            dedupe_key=dedupe_key,
                            created_at=now,
                            **fields,
                        )
                    )
                    .on_conflict(action="DO NOTHING")
                    .returning(*CreditEntry.all_columns())
                )
                if not inserted:
                    raise _AlreadyRecorded
            return Appended(inserted[0], created=True)
        except (_AlreadyRecorded, _NotMoved):
            if dedupe_key is not None and (existing := await entry_by_key(dedupe_key)) is not None:
                return Appended(existing, created=False)
        if not first_try:
            break
        # No account yet (made now, or by a concurrent call meanwhile; NotFound for another workspace's client), or
        # the floor refused: the second try tells them apart.
        await account(workspace_id, client_id)
    raise InsufficientCredits(await balance(workspace_id, client_id), -credits)


async def _move_balance(workspace_id: int, client_id: int, credits: int, floor: int | None, now) -> int | None:
    """The balance after adding `credits`, or None when that would go below `floor` or there is no account."""
    where = (CreditAccount.client == client_id) & (CreditAccount.workspace == workspace_id)
    if floor is not None:
        where &= CreditAccount.balance >= floor - credits
    rows = await (
        CreditAccount.update(
            {CreditAccount.balance: CreditAccount.balance + credits, CreditAccount.updated_at: now},
            use_auto_update=False,
        )
        .where(where)
        .returning(CreditAccount.balance, CreditAccount.negative_since)
    )
    if not rows:
        return None
    after, flagged = int(rows[0]["balance"]), rows[0]["negative_since"] is not None
    # The flag for a refund that took more credits than were left; it clears once the balance is back. Written only
    # when it changes, so the usual entry is the two statements above and below.
    if (after < 0) != flagged:
        await CreditAccount.update(
            {CreditAccount.negative_since: now if after < 0 else None}, use_auto_update=False
        ).where(CreditAccount.client == client_id)
    return after


def price_fields(final_price: Decimal, platform_price: Decimal, cost_per_credit: Decimal) -> dict[str, str]:
    """The prices an entry used, as the decimal text the ledger keeps."""
    return {
        "final_price_per_credit": format(final_price, "f"),
        "platform_price_per_credit": format(platform_price, "f"),
        "cost_per_credit": format(cost_per_credit, "f"),
    }


@dataclass(frozen=True)
class Mismatch:
    """A client whose cached balance is not the sum of its ledger: reported, never silently fixed."""

    workspace_id: int
    client_id: int
    cached: int
    ledger: int


async def mismatches() -> list[Mismatch]:
    """Every account whose cached balance differs from its ledger (the periodic check reports these)."""
    total = Sum(CreditEntry.credits).as_alias("total")
    sums = {
        row["client"]: int(row["total"] or 0)
        for row in await CreditEntry.select(CreditEntry.client, total).group_by(CreditEntry.client)
    }
    found = []
    for row in await CreditAccount.select(CreditAccount.workspace, CreditAccount.client, CreditAccount.balance):
        ledger = sums.pop(row["client"], 0)
        if int(row["balance"]) != ledger:
            found.append(Mismatch(row["workspace"], row["client"], int(row["balance"]), ledger))
    return found
