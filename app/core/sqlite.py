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
  after nearly every batch (past 1,000 pages, 4 MB), copying the same index pages each time: 10,000 pages (40 MB)
  copies them once every ten batches or so.
"""

from __future__ import annotations

import sqlite3
import threading

from piccolo.engine.sqlite import SQLiteEngine

_KEPT: dict[str, sqlite3.Connection] = {}
_KEEPING = threading.Lock()

PRAGMAS = ("PRAGMA synchronous = NORMAL", "PRAGMA cache_size = -16384", "PRAGMA wal_autocheckpoint = 10000")


class AppSQLiteEngine(SQLiteEngine):
    __slots__ = ()

    async def get_connection(self):
        _keep_open(self.connection_kwargs["database"])
        connection = await super().get_connection()
        for pragma in PRAGMAS:
            await connection.execute(pragma)
        return connection


def _keep_open(path: str) -> None:
    if path in _KEPT:
        return
    with _KEEPING:
        if path not in _KEPT:
            kept = sqlite3.connect(path, check_same_thread=False)
            # Reading the schema opens the file and its log; the read ends at once, so no lock is held.
            kept.execute("SELECT count(*) FROM sqlite_master").fetchall()
            _KEPT[path] = kept
