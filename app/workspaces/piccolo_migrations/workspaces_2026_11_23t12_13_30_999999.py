"""Composite indexes Piccolo's auto-migrations cannot express; additive, valid on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T12:13:30:999999"
VERSION = "1.38.0"
DESCRIPTION = "composite unique and lookup indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workspaces", description=DESCRIPTION)

    async def _unique_indexes():
        await engine_finder().run_ddl(
            'CREATE UNIQUE INDEX IF NOT EXISTS membership_workspace_user_uniq ON membership (workspace, "user")'
        )

    manager.add_raw(_unique_indexes)

    async def _drop_indexes():
        await engine_finder().run_ddl("DROP INDEX IF EXISTS membership_workspace_user_uniq")

    manager.add_raw_backwards(_drop_indexes)

    return manager
