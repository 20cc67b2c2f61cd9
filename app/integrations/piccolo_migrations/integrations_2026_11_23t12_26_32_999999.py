"""Partial unique indexes: one live Stripe link per workspace, and per Stripe account; valid on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T12:26:32:999999"
VERSION = "1.38.0"
DESCRIPTION = "one connected Stripe account per workspace and per account"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)

    async def _unique_indexes():
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS stripe_connection_live_workspace_uniq "
            "ON stripe_connection (workspace) WHERE status = 'connected'"
        )
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS stripe_connection_live_account_uniq "
            "ON stripe_connection (stripe_account_id) WHERE status = 'connected'"
        )

    manager.add_raw(_unique_indexes)

    async def _drop_indexes():
        for name in ("stripe_connection_live_workspace_uniq", "stripe_connection_live_account_uniq"):
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw_backwards(_drop_indexes)

    return manager
