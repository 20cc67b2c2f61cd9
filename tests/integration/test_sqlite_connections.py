"""The app's SQLite engine reuses idle connections for queries and transactions, and never one left mid-transaction.

Each test makes its own engine on a database file of its own, so it runs the same on either suite.
"""

from __future__ import annotations

import sqlite3 as stdlib_sqlite3
import subprocess
import sys
import textwrap

import pytest
from piccolo.engine.sqlite import TransactionType
from piccolo.querystring import QueryString

from app.core import sqlite


@pytest.fixture(name="engine")
async def fx_engine(tmp_path):
    engine = sqlite.AppSQLiteEngine(path=str(tmp_path / "connections.sqlite3"), timeout=5)
    await engine.run_querystring(QueryString("PRAGMA journal_mode = WAL"))
    await engine.run_querystring(QueryString("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
    yield engine
    for connection in sqlite._IDLE.pop(engine.connection_kwargs["database"], []):
        await connection.close()


def _idle(engine) -> list:
    return sqlite._IDLE.get(engine.connection_kwargs["database"], [])


async def test_a_query_outside_a_transaction_runs_on_the_idle_connection_the_last_one_left(engine):
    await engine.run_querystring(QueryString("SELECT 1 AS one"))
    [kept] = _idle(engine)

    rows = await engine.run_querystring(QueryString("INSERT INTO note (body) VALUES ({}) RETURNING id", "hi"))

    assert rows == [{"id": 1}] and _idle(engine) == [kept]


async def test_a_write_outside_a_transaction_is_committed_before_its_connection_goes_back(engine):
    await engine.run_querystring(QueryString("INSERT INTO note (body) VALUES ({})", "seen"))
    [kept] = _idle(engine)

    other = stdlib_sqlite3.connect(engine.connection_kwargs["database"])
    try:
        assert other.execute("SELECT body FROM note").fetchall() == [("seen",)]
    finally:
        other.close()
    assert not kept.in_transaction


async def test_a_connection_a_query_failed_on_is_closed_not_kept(engine):
    await engine.run_querystring(QueryString("SELECT 1 AS one"))
    [kept] = _idle(engine)

    with pytest.raises(Exception, match="no such table"):
        await engine.run_querystring(QueryString("SELECT * FROM nothing_here"))

    assert _idle(engine) == []
    assert kept._connection is None  # closed


async def test_a_transaction_gives_its_connection_back_after_commit_and_after_rollback(engine):
    async with engine.transaction():
        await engine.run_querystring(QueryString("INSERT INTO note (body) VALUES ({})", "kept"))
    [after_commit] = _idle(engine)
    assert not after_commit.in_transaction

    with pytest.raises(RuntimeError):
        async with engine.transaction():
            await engine.run_querystring(QueryString("INSERT INTO note (body) VALUES ({})", "undone"))
            raise RuntimeError("the caller's own failure")

    [after_rollback] = _idle(engine)
    assert after_rollback is after_commit and not after_rollback.in_transaction
    rows = await engine.run_querystring(QueryString("SELECT body FROM note"))
    assert rows == [{"body": "kept"}]


async def test_a_transaction_whose_begin_fails_closes_its_connection(tmp_path):
    path = str(tmp_path / "locked.sqlite3")
    engine = sqlite.AppSQLiteEngine(path=path, timeout=0.05)
    await engine.run_querystring(QueryString("PRAGMA journal_mode = WAL"))
    [kept] = _idle(engine)
    writer = stdlib_sqlite3.connect(path)
    writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with pytest.raises(stdlib_sqlite3.OperationalError, match="locked"):
            async with engine.transaction(TransactionType.immediate):
                pass
    finally:
        writer.rollback()
        writer.close()

    assert _idle(engine) == [] and kept._connection is None
    assert engine.current_transaction.get() is None


async def test_idle_connections_do_not_hold_the_process_open_at_exit(tmp_path):
    script = textwrap.dedent(
        f"""
        import asyncio
        from piccolo.querystring import QueryString
        from app.core.sqlite import AppSQLiteEngine, _IDLE

        engine = AppSQLiteEngine(path={str(tmp_path / "exit.sqlite3")!r})
        asyncio.run(engine.run_querystring(QueryString("SELECT 1")))
        assert _IDLE[engine.connection_kwargs["database"]], "a connection was kept"
        print("done")
        """
    )
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "done"
