"""Test databases: each pytest run gets its own SQLite file or PostgreSQL database, dropped afterwards.

Imported by tests/conftest.py *before* the app, because settings are read from the environment once.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[2]
RUN_ID = f"{os.getpid()}_{secrets.token_hex(3)}"


def _admin_dsn(url: str) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path="/postgres"))


def _with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


async def _pg(dsn: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def configure_environment() -> dict[str, str]:
    """Point settings at throw-away storage; returns what teardown needs."""
    data_dir = Path(tempfile.mkdtemp(prefix="clientpulse-test-"))
    env = {
        "APP_ENV": "test",
        "DATA_DIR": str(data_dir),
        "SECRET_KEY": "test-secret-key-" + secrets.token_hex(16),
        "DATABASE_POOL_SIZE": "0",
        "HUEY_NAME": f"cp-test-{RUN_ID}",
        "LOGIN_MAX_FAILURES": "5",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "SMTP_URL"):
        os.environ.pop(name, None)
    test_pg = os.environ.get("TEST_DATABASE_URL")
    if test_pg:
        db_name = f"clientpulse_test_{RUN_ID}"
        asyncio.run(_pg(_admin_dsn(test_pg), f'CREATE DATABASE "{db_name}"'))
        # A throw-away database needs no commit to survive a crash: not waiting for each WAL flush to reach the
        # disk saves milliseconds on every commit (ours and the e2e server's and worker's), with the same results.
        asyncio.run(_pg(_admin_dsn(test_pg), f'ALTER DATABASE "{db_name}" SET synchronous_commit = off'))
        env["DATABASE_URL"] = _with_database(test_pg, db_name)
        env["_TEST_DB_NAME"] = db_name
    if os.environ.get("TEST_REDIS_URL"):
        env["REDIS_URL"] = os.environ["TEST_REDIS_URL"]
    os.environ.update(env)
    return env


def migrate() -> None:
    result = subprocess.run([sys.executable, "-m", "app", "migrate"], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"migrations failed:\n{result.stdout}\n{result.stderr}")


@asynccontextmanager
async def scratch_database() -> AsyncIterator[dict[str, str]]:
    """An empty database on the suite's engine, apart from the suite's own, dropped afterwards.

    Yields the environment for a subprocess (`python -m app migrate`, `piccolo migrations ...`) that works on it.
    """
    data_dir = Path(tempfile.mkdtemp(prefix="clientpulse-scratch-"))
    env = {**os.environ, "DATA_DIR": str(data_dir), "SQLITE_PATH": str(data_dir / "scratch.sqlite3")}
    test_pg = os.environ.get("TEST_DATABASE_URL")
    db_name = f"clientpulse_scratch_{RUN_ID}_{secrets.token_hex(3)}"
    if test_pg:
        await _pg(_admin_dsn(test_pg), f'CREATE DATABASE "{db_name}"')
        env["DATABASE_URL"] = _with_database(test_pg, db_name)
    try:
        yield env
    finally:
        if test_pg:
            await _pg(_admin_dsn(test_pg), f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)


def _pool_slot():
    from piccolo.engine.postgres import PostgresEngine

    return PostgresEngine.__dict__["pool"]


def _loop_bound_pool_engine():
    """PostgresEngine whose pool only serves the event loop that created it; other loops connect afresh.

    Without a pool, every query opens (and closes) a PostgreSQL connection: ~8 ms each, most of the gap between
    the PostgreSQL and the SQLite suites. The test process keeps one pool on pytest's session loop, but Huey's
    immediate mode runs a task's coroutine on a loop of its own in another thread (piccolo's run_sync), where an
    asyncpg pool of another loop cannot work: there the engine behaves as before.
    """
    from app.core.postgres import AppPostgresEngine

    slot = _pool_slot()

    class LoopBoundPoolEngine(AppPostgresEngine):
        __slots__ = ()  # the same layout, so the app's engine can become one in place

        @property
        def pool(self):
            pool = slot.__get__(self)
            if pool is None:
                return None
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return None
            return pool if pool._loop is loop else None

        @pool.setter
        def pool(self, value) -> None:
            slot.__set__(self, value)

    return LoopBoundPoolEngine


async def start_session_pool() -> None:
    """Reuse the test process's database connections on the running (session) loop."""
    from piccolo.engine import engine_finder

    engine = engine_finder()
    if not os.environ.get("DATABASE_URL"):
        return  # the app's SQLite engine keeps idle connections itself (app.core.sqlite)
    engine.__class__ = _loop_bound_pool_engine()
    # DATABASE_POOL_SIZE stays 0 for the app, so no app lifespan starts or closes a pool: this one is the suite's.
    await engine.start_connection_pool(min_size=1, max_size=10)


def held_connections() -> int:
    """How many of the suite's pooled PostgreSQL connections are checked out (0 on SQLite or without a pool)."""
    from piccolo.engine import engine_finder

    if not os.environ.get("DATABASE_URL"):
        return 0
    pool = _pool_slot().__get__(engine_finder())
    return 0 if pool is None else pool.get_size() - pool.get_idle_size()


async def close_session_pool() -> None:
    from piccolo.engine import engine_finder

    engine = engine_finder()
    if not os.environ.get("DATABASE_URL"):
        return
    pool = _pool_slot().__get__(engine)
    if pool is not None:
        try:
            # close() waits for every connection to come back: one held by a coroutine that was dropped inside a
            # transaction never does, and the suite then hung after its last test (seen twice on PostgreSQL).
            await asyncio.wait_for(pool.close(), timeout=30)
        except TimeoutError:
            in_use = pool.get_size() - pool.get_idle_size()
            pool.terminate()
            warnings.warn(f"{in_use} test database connection(s) were never released; terminated", stacklevel=1)
        engine.pool = None


def drop_database(env: dict[str, str]) -> None:
    db_name = env.get("_TEST_DB_NAME")
    if db_name:
        asyncio.run(
            _pg(_admin_dsn(os.environ["TEST_DATABASE_URL"]), f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        )


def drop_redis_keys(env: dict[str, str]) -> None:
    if not env.get("REDIS_URL"):
        return
    import redis

    client = redis.Redis.from_url(env["REDIS_URL"])
    for key in client.scan_iter(match=f"*{env['HUEY_NAME']}*"):
        client.delete(key)


async def truncate_all() -> None:
    """Empty every app table between tests (children first, so foreign keys hold), restarting the id sequences."""
    from piccolo.conf.apps import Finder
    from piccolo.engine import engine_finder
    from piccolo.table import sort_table_classes

    tables = sort_table_classes(Finder().get_table_classes())
    engine = engine_finder()
    if not os.environ.get("DATABASE_URL"):
        # One transaction, so one commit instead of one per table.
        async with engine.transaction():
            for table in reversed(tables):
                await table.delete(force=True)
        return
    import asyncpg

    # TRUNCATE gives each of the 26 tables and their indexes new files: 0.5-0.8 s per test on this machine, most
    # of the PostgreSQL suite's extra time. DELETE on small tables takes milliseconds. The lock does what
    # TRUNCATE's did: writers still in flight (the e2e server and worker) finish first, and none start until the
    # tables are empty and the sequences restarted, so no row and no stale id survives into the next test.
    names = [f'"{t._meta.tablename}"' for t in tables]
    regclasses = ", ".join(f"'{name}'" for name in names)
    script = "; ".join(
        [
            f"LOCK TABLE {', '.join(names)} IN SHARE ROW EXCLUSIVE MODE",
            *(f"DELETE FROM {name}" for name in reversed(names)),
            "SELECT setval(d.objid::regclass, s.seqstart, false) FROM pg_depend d"
            " JOIN pg_sequence s ON s.seqrelid = d.objid"
            f" WHERE d.deptype IN ('a', 'i') AND d.refobjid = ANY(ARRAY[{regclasses}]::regclass[])",
        ]
    )
    # A periodic task of the e2e worker can hold a row lock our lock waits behind while it waits for a table we
    # already hold; PostgreSQL then rolls one side back. Ours is safe to repeat.
    for attempt in range(5):
        try:
            async with engine.transaction() as transaction:
                await transaction.connection.execute(script)
            return
        except asyncpg.exceptions.DeadlockDetectedError:
            if attempt == 4:
                raise
