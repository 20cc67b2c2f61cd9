"""The credit_price table's migration is additive: it reverses by dropping only its own table, and applies again."""

from __future__ import annotations

import subprocess
import sys

from tests.integration.schema_support import execute
from tests.plugins.database import ROOT, scratch_database

MIGRATION = ("credit_pricing", "2026-11-30T06:30:00:000000")
TABLES = (
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    "SELECT name FROM sqlite_master WHERE type = 'table'",
)


def _run(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, env={**env, "PICCOLO_CONF": "piccolo_conf"}, capture_output=True
    )
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()


async def _sql(env: dict[str, str], sql: str) -> list[tuple]:
    return await execute(env.get("DATABASE_URL"), env["SQLITE_PATH"], sql)


async def _tables(env: dict[str, str]) -> set[str]:
    return {name for (name,) in await _sql(env, TABLES[0] if env.get("DATABASE_URL") else TABLES[1])}


async def test_the_migration_reverses_to_the_schema_before_it_and_applies_again_keeping_decimal_text_exact():
    async with scratch_database() as env:
        _run(env, "app", "migrate")
        await _sql(env, "INSERT INTO workspace (name) VALUES ('Kept Co')")
        await _sql(
            env,
            "INSERT INTO credit_price (workspace, cost_per_credit, platform_price_per_credit, created_at) "
            "VALUES (1, '0.000001', '0.001', CURRENT_TIMESTAMP)",
        )
        assert await _sql(env, "SELECT cost_per_credit FROM credit_price") == [("0.000001",)]
        before = await _tables(env)

        _run(env, "piccolo.main", "migrations", "backwards", *MIGRATION, "--auto_agree")
        assert await _tables(env) == before - {"credit_price"}
        assert await _sql(env, "SELECT name FROM workspace") == [("Kept Co",)]

        _run(env, "app", "migrate")
        assert await _tables(env) == before
        assert await _sql(env, "SELECT count(*) FROM credit_price") == [(0,)]
