"""This change's migrations (declared unique keys, the `raw` -> `stripe_object` rename) reverse to the schema before
them and apply again, keeping the data, on a scratch database of the suite's engine, as
`piccolo migrations backwards` and `python -m app migrate` run them."""

from __future__ import annotations

import subprocess
import sys

from tests.integration.schema_support import declared_unique_keys, execute, unique_indexes
from tests.plugins.database import ROOT, scratch_database

# Latest first, the order they are reversed in; reversing stripe_data to this id also reverses the rename after it.
# The brief's and revenue's tables (with their declared keys) sit on top of workspaces and stripe_data, so they are
# reversed first; reversing brief to its first id also reverses every brief migration after it.
NEW_MIGRATIONS = (
    ("brief", "2026-11-30T06:00:00:000000"),
    ("revenue", "2026-11-30T03:00:00:000000"),
    ("stripe_data", "2026-11-29T21:10:02:000000"),
    ("workspaces", "2026-11-29T21:10:01:000000"),
    ("clients", "2026-11-29T21:10:00:000000"),
)
HAND_WRITTEN = {
    "client_email_workspace_email_uniq",
    "membership_workspace_user_uniq",
    "stripe_customer_uniq",
    "stripe_subscription_uniq",
    "stripe_invoice_uniq",
    "stripe_invoice_line_uniq",
    "stripe_charge_uniq",
    "stripe_refund_uniq",
    "customer_match_uniq",
    "sync_checkpoint_uniq",
    "stripe_partial_object_uniq",
}
KEPT = '{"id": "sub_1", "object": "subscription"}'
DECLARED = {key.name for key in declared_unique_keys() if key.name}


def _run(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, env={**env, "PICCOLO_CONF": "piccolo_conf"}, capture_output=True
    )
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()


async def _unique_index_names(env: dict[str, str]) -> set[str]:
    return set(await unique_indexes(env.get("DATABASE_URL"), env["SQLITE_PATH"]))


async def _sql(env: dict[str, str], sql: str) -> list[tuple]:
    return await execute(env.get("DATABASE_URL"), env["SQLITE_PATH"], sql)


async def test_the_new_migrations_reverse_to_the_schema_before_them_and_apply_again_keeping_the_data():
    async with scratch_database() as env:
        _run(env, "app", "migrate")
        assert await _unique_index_names(env) >= DECLARED
        await _sql(env, "INSERT INTO workspace (name) VALUES ('Kept Co')")
        await _sql(
            env, f"INSERT INTO stripe_subscription (workspace, stripe_id, stripe_object) VALUES (1, 'sub_1', '{KEPT}')"
        )

        for app_name, migration_id in NEW_MIGRATIONS:
            _run(env, "piccolo.main", "migrations", "backwards", app_name, migration_id, "--auto_agree")
        reversed_names = await _unique_index_names(env)
        assert reversed_names >= HAND_WRITTEN and not DECLARED & reversed_names
        assert await _sql(env, "SELECT raw FROM stripe_subscription") == [(KEPT,)]

        _run(env, "app", "migrate")
        names = await _unique_index_names(env)
        assert names >= DECLARED and not HAND_WRITTEN & names
        assert await _sql(env, "SELECT stripe_object FROM stripe_subscription") == [(KEPT,)]
