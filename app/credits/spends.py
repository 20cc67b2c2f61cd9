"""Usage spends written in batches: concurrent usage calls share one write transaction (a group commit).

Alone, each usage call is a transaction of its own (`ledger.append`: four round trips and a commit), and under a
metering integration's load the commits and round trips are the limit, not the rules. Here a call joins the batch
being gathered and waits for its result; one writer per event loop writes the waiting calls together, and the calls
that arrive meanwhile make the next batch. A lone call waits for nothing; a busy process writes dozens per commit.

A batch writes only the plain case: the client's account exists in the caller's workspace and is not below zero,
the balance covers the spend (in arrival order, so the entries of one client chain as they would one by one), and
the key is new. Everything else (no account yet, another workspace's client, not enough credits, a key already in
the ledger or twice in the batch) is answered None and left to `ledger.append`, which has the rules for all of it.

The batch holds its accounts' rows while it computes (FOR UPDATE on PostgreSQL; the write lock on SQLite), so the
balances it writes are the ones it read. A key another process wrote after the batch looked makes the insert write
fewer rows than computed: the whole batch rolls back and each call goes to `ledger.append` instead.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref
from dataclasses import dataclass, field
from typing import Any

from app.core.timeutil import utcnow
from app.credits import ledger
from app.credits.tables import CreditAccount, CreditEntry, EntryKind, Recharge

log = logging.getLogger(__name__)

# Past this a batch's statements grow long (SQLite binds at most 32,766 parameters; an entry takes about 20).
MAX_BATCH = 250


@dataclass(frozen=True)
class Spend:
    """One usage call: `credits` (positive) taken from the client's balance, once per `dedupe_key`."""

    workspace_id: int
    client_id: int
    credits: int
    dedupe_key: str
    fields: dict[str, Any] = field(default_factory=dict)  # ledger.ENTRY_FIELDS: the fingerprint, the description


@dataclass(frozen=True)
class Spent:
    """The entry a batch wrote; the account as this spend left it; whether a recharge of it was in flight."""

    entry: dict[str, Any]
    account: dict[str, Any]
    recharging: bool


class _Raced(Exception):
    """A key of the batch was written by another process after the batch looked: roll it all back."""


class _Gathering:
    def __init__(self) -> None:
        self.waiting: list[tuple[Spend, asyncio.Future]] = []
        self.writer: asyncio.Task | None = None


_GATHERING: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Gathering] = weakref.WeakKeyDictionary()


async def spend(item: Spend) -> Spent | None:
    """Write the spend with whatever else is waiting; None when it is not the plain case (see the module)."""
    if CreditEntry._meta.db.current_transaction.get() is not None:
        return None  # the caller's own transaction: a batch would write outside it
    loop = asyncio.get_running_loop()
    if (gathering := _GATHERING.get(loop)) is None:
        gathering = _GATHERING[loop] = _Gathering()
    future: asyncio.Future = loop.create_future()
    gathering.waiting.append((item, future))
    if gathering.writer is None:
        # A context of its own: the first caller's context variables (a transaction, say) are not the batch's.
        gathering.writer = loop.create_task(_write_all(gathering), context=contextvars.Context())
    return await future


async def _write_all(gathering: _Gathering) -> None:
    taken: list[tuple[Spend, asyncio.Future]] = []
    try:
        while gathering.waiting:
            taken, gathering.waiting = gathering.waiting[:MAX_BATCH], gathering.waiting[MAX_BATCH:]
            try:
                results = await _write([item for item, _ in taken])
            except _Raced:
                results = [None] * len(taken)
            except Exception:
                # Each call then meets the trouble alone, in `ledger.append`, and answers for itself.
                log.exception("a batch of %s usage spends failed; writing them one by one", len(taken))
                results = [None] * len(taken)
            for (_, future), result in zip(taken, results, strict=True):
                if not future.done():  # its caller may have gone (a dropped connection)
                    future.set_result(result)
            taken = []
    finally:
        gathering.writer = None
        for _, future in taken + gathering.waiting:
            if not future.done():
                future.set_result(None)
        gathering.waiting = []


async def _write(items: list[Spend]) -> list[Spent | None]:
    now = utcnow()
    db = CreditEntry._meta.db
    async with ledger.write_transaction():
        query = CreditAccount.select().where(CreditAccount.client.is_in(sorted({i.client_id for i in items})))
        if db.engine_type == "postgres":
            query = query.order_by(CreditAccount.client).lock_rows("UPDATE")
        accounts = {row["client"]: row for row in await query}
        keys = [item.dedupe_key for item in items]
        taken = set(
            await CreditEntry.select(CreditEntry.dedupe_key)
            .where(CreditEntry.dedupe_key.is_in(keys))
            .output(as_list=True)
        )
        balances = {client: int(row["balance"]) for client, row in accounts.items()}
        planned: list[tuple[int, int]] = []  # (index in items, balance after)
        for index, item in enumerate(items):
            account = accounts.get(item.client_id)
            if account is None or account["workspace"] != item.workspace_id or account["negative_since"] is not None:
                continue
            after = balances[item.client_id] - item.credits
            if after < 0 or item.dedupe_key in taken:
                continue
            balances[item.client_id] = after
            taken.add(item.dedupe_key)
            planned.append((index, after))
        if not planned:
            return [None] * len(items)
        entries = await _insert_entries(items, planned, now)
        await _move_balances({c: b for c, b in balances.items() if b != int(accounts[c]["balance"])}, now)
    recharging = await _in_flight(accounts, balances)
    results: list[Spent | None] = [None] * len(items)
    for index, after in planned:
        item = items[index]
        account = accounts[item.client_id] | {"balance": after, "updated_at": now}
        results[index] = Spent(entries[item.dedupe_key], account, item.client_id in recharging)
    return results


async def _insert_entries(items: list[Spend], planned: list[tuple[int, int]], now) -> dict[str, dict[str, Any]]:
    rows = [
        CreditEntry(
            workspace=items[index].workspace_id,
            client=items[index].client_id,
            kind=EntryKind.usage.value,
            credits=-items[index].credits,
            balance_after=after,
            dedupe_key=items[index].dedupe_key,
            created_at=now,
            **items[index].fields,
        )
        for index, after in planned
    ]
    inserted = await CreditEntry.insert(*rows).on_conflict(action="DO NOTHING").returning(*CreditEntry.all_columns())
    if len(inserted) != len(rows):
        raise _Raced
    return {row["dedupe_key"]: row for row in inserted}


async def _move_balances(moved: dict[int, int], now) -> None:
    """Every moved account's new balance in one statement (a CASE on the client; the rows are this batch's)."""
    if not moved:
        return
    cases = " ".join("WHEN {} THEN CAST({} AS BIGINT)" for _ in moved)
    marks = ", ".join("{}" for _ in moved)
    sql = f"UPDATE credit_account SET balance = CASE client {cases} END, updated_at = {{}} WHERE client IN ({marks})"
    pairs = [value for client, balance in moved.items() for value in (client, balance)]
    await CreditAccount.raw(sql, *pairs, now, *moved)


async def _in_flight(accounts: dict[int, dict[str, Any]], balances: dict[int, int]) -> set[int]:
    """The clients left below their threshold that have a recharge in flight (one read for the batch)."""
    below = [c for c, balance in balances.items() if balance < int(accounts[c]["recharge_threshold"])]
    if not below:
        return set()
    return set(await Recharge.select(Recharge.in_flight).where(Recharge.in_flight.is_in(below)).output(as_list=True))
