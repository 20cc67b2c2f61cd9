"""The SQLite engine: Piccolo's, with per-connection settings for a database that takes a sync's bulk writes.

Piccolo opens a connection per query or transaction. Two things followed from that, both measured in the ingest
benchmark (`benchmarks/test_bench_ingest.py`):

- When the last connection to a WAL database closes, SQLite checkpoints the whole log into the file, syncs it and
  deletes the log. With no connection kept, every transaction paid for that. Each process therefore keeps one
  idle connection open (`_KEPT`): it runs no queries and holds no lock a writer or reader waits for.
- `synchronous = NORMAL` is SQLite's advice for WAL: a commit no longer waits for the disk, only checkpoints do.
  The database stays consistent on a crash; a power cut may lose the last commits, which a sync redoes (its
  checkpoints are written in the same transactions as its rows).
- A batch of pages writes a few MB. Past the default 2 MB page cache, SQLite spills pages to the log in the middle
  of the transaction and writes the index pages again at commit; 16 MB holds a batch. And it checkpointed the log
  after nearly every batch (past 1,000 pages, 4 MB), copying the same index pages each time: a 40 MB log (2,500 of
  its 16 KB pages) copies them once every ten batches or so.
- A new database gets 16 KB pages instead of 4 KB (see PRAGMAS).
- Opening a connection costs more than most queries: a thread, the file, the PRAGMAs and the schema parsed anew,
  about 3 ms a read here (the usage API's benchmark, `benchmarks/test_bench_usage.py`, spent most of its time
  there). A query outside a transaction therefore takes an idle connection of the process (`_IDLE`) and gives it
  back: each still runs one query at a time and commits it at once, exactly as a fresh one did, and one a query
  failed on is closed, so no half-done transaction survives. A transaction takes one too, for its whole life, and
  gives it back once it committed or rolled back cleanly (closed otherwise).
"""

from __future__ import annotations

import sqlite3
import threading

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from app.core.transactions import EndsCleanly

_KEPT: dict[str, sqlite3.Connection] = {}
_KEEPING = threading.Lock()

_IDLE: dict[str, list[aiosqlite.Connection]] = {}
MAX_IDLE = 32  # per database file: about the queries a busy web process has in flight at once outside transactions

PRAGMAS = (
    # Only a new, empty database takes it (an existing one keeps the size it was made with): the first connection
    # that creates a table makes it so. Stripe's objects are stored as 2 to 4 KB of JSON, which on 4 KB pages
    # spill into overflow pages; 16 KB pages cut the ingest's CPU by about a sixth, with reads unchanged.
    "PRAGMA page_size = 16384",
    "PRAGMA foreign_keys = 1",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA cache_size = -16384",
    "PRAGMA wal_autocheckpoint = 2500",
)


class AppSQLiteEngine(SQLiteEngine):
    __slots__ = ()

    async def get_connection(self) -> aiosqlite.Connection:
        _keep_open(self.connection_kwargs["database"])
        opening = aiosqlite.connect(**self.connection_kwargs)
        # aiosqlite's thread is not a daemon: an idle connection kept for reuse would hold the process open at exit.
        opening._thread.daemon = True
        connection = await opening
        connection.row_factory = dict_factory
        for pragma in PRAGMAS:
            await connection.execute(pragma)
        return connection

    def transaction(
        self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True
    ) -> SQLiteTransaction:
        return _ReusingTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def take_connection(self) -> aiosqlite.Connection:
        """An idle connection of the process, or a new one."""
        idle = _IDLE.get(self.connection_kwargs["database"])
        return idle.pop() if idle else await self.get_connection()

    async def give_back(self, connection: aiosqlite.Connection) -> None:
        """Keep a connection that finished its work cleanly (no transaction open) for the next query."""
        idle = _IDLE.setdefault(self.connection_kwargs["database"], [])
        if len(idle) < MAX_IDLE:
            idle.append(connection)
        else:
            await connection.close()

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        """One query outside a transaction, on an idle connection of the process when there is one."""
        if query_type == "insert" and self.get_version_sync() < 3.35:
            return await super()._run_in_new_connection(query, args, query_type, table)
        connection = await self.take_connection()
        try:
            # One trip to the connection's thread for the statement and its rows (Piccolo's way took four: execute,
            # commit, fetch, close), and one more to commit only when the statement opened a transaction (a write).
            rows = await connection.execute_fetchall(query, args or [])
            if connection.in_transaction:
                await connection.commit()
        except BaseException:
            await connection.close()
            raise
        await self.give_back(connection)
        return rows


class _ReusingTransaction(EndsCleanly, SQLiteTransaction):
    """Piccolo's transaction on a connection taken from the process's idle ones and given back when it ends."""

    __slots__ = ()

    async def get_connection(self):
        return await self.engine.take_connection()

    async def _give_back(self) -> None:
        await self.engine.give_back(self.connection)

    async def _discard(self) -> None:
        await self.connection.close()


def _keep_open(path: str) -> None:
    if path in _KEPT:
        return
    with _KEEPING:
        if path not in _KEPT:
            kept = sqlite3.connect(path, check_same_thread=False)
            # Reading the schema opens the file and its log; the read ends at once, so no lock is held.
            kept.execute("SELECT count(*) FROM sqlite_master").fetchall()
            _KEPT[path] = kept
