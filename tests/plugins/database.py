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
    """Empty every app table between tests (children first, so foreign keys hold)."""
    from piccolo.conf.apps import Finder
    from piccolo.engine import engine_finder
    from piccolo.table import sort_table_classes

    tables = sort_table_classes(Finder().get_table_classes())
    engine = engine_finder()
    if os.environ.get("DATABASE_URL"):
        import asyncpg

        names = ", ".join(f'"{t._meta.tablename}"' for t in tables)
        # A periodic task of the e2e worker can hold a row lock the TRUNCATE waits behind while it waits for
        # a table the TRUNCATE already holds; PostgreSQL then rolls one side back. Ours is safe to repeat.
        for attempt in range(5):
            try:
                await engine.run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
                return
            except asyncpg.exceptions.DeadlockDetectedError:
                if attempt == 4:
                    raise
    else:
        for table in reversed(tables):
            await table.delete(force=True)
