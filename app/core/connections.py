"""One PostgreSQL connection for a task's many queries and transactions, instead of one per query or transaction.

Worker tasks have no pool (app.main starts one for the web process only): Piccolo's engine is global, and Huey's
workers are threads each running its own event loop, so a pool on the engine would be handed to other threads'
loops, which asyncpg forbids. Without one, Piccolo opens a connection for every query outside a transaction and
for every transaction: a forked backend and an authentication each, and a backend that plans every statement and
looks up every array type afresh.

`held()` opens one connection and puts it in the slot Piccolo reads its current transaction from
(`engine.current_transaction`, a ContextVar), so that every query of the current asyncio task runs on it. It stays
on its own event loop and task because a ContextVar is only seen by the context that set it and by tasks started
from that context (asyncio copies it): another thread starts with an empty context, and another task with its own.
The slot holds no transaction: each statement commits on its own, exactly as with a connection per query.
`together()` is the transaction to use under it: asyncpg's, on the held connection (a plain Piccolo transaction
there would be a no-op nested in the slot's holder).

On SQLite it is a no-op: the engine keeps idle connections of the process itself (app.core.sqlite).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import cache

from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine


class Held:
    """Stands in Piccolo's current-transaction slot with a connection and no transaction (each statement commits)."""

    __slots__ = ("connection",)

    def __init__(self, connection) -> None:
        self.connection = connection


@cache
def _engine():
    return engine_finder()  # the one engine every table uses


@asynccontextmanager
async def held() -> AsyncIterator[None]:
    """Run the block's queries on one new connection of its own (PostgreSQL without a pool; else a no-op).

    Only the current task and the tasks it starts see it, so each concurrent task opens its own. Inside a real
    transaction it changes nothing: the transaction's connection is already the one used.
    """
    engine = _engine()
    current = engine.current_transaction.get()
    if not isinstance(engine, PostgresEngine) or engine.pool is not None or not isinstance(current, (Held, type(None))):
        yield
        return
    holder = Held(await engine.get_new_connection())
    token = engine.current_transaction.set(holder)
    try:
        yield
    finally:
        engine.current_transaction.reset(token)
        await holder.connection.close()


async def reconnect_if_lost() -> None:
    """Open a new held connection when the held one was closed (a restarted server): one lost connection must not
    fail everything after it."""
    engine = _engine()
    current = engine.current_transaction.get() if isinstance(engine, PostgresEngine) else None
    if isinstance(current, Held) and current.connection.is_closed():
        current.connection = await engine.get_new_connection()


def together() -> AbstractAsyncContextManager:
    """One transaction: asyncpg's on the held connection when there is one, Piccolo's otherwise."""
    engine = _engine()
    current = engine.current_transaction.get() if isinstance(engine, PostgresEngine) else None
    if isinstance(current, Held):
        return current.connection.transaction()
    return engine.transaction()
