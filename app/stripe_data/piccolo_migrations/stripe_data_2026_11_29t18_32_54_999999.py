"""One partial mark per object: the retry step upserts on it; valid on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T18:32:54:999999"
VERSION = "1.38.0"
DESCRIPTION = "unique (workspace, account, object type, stripe id) key on stripe_partial_object"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stripe_data", description=DESCRIPTION)

    async def _indexes():
        # A separate migration: raw SQL runs before a migration's own add_table, so the table must exist already.
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS stripe_partial_object_uniq "
            "ON stripe_partial_object (workspace, account_id, object_type, stripe_id)"
        )

    manager.add_raw(_indexes)

    async def _drop_indexes():
        await engine_finder().run_ddl("DROP INDEX IF EXISTS stripe_partial_object_uniq")

    manager.add_raw_backwards(_drop_indexes)

    return manager
