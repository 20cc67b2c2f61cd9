"""Composite indexes Piccolo's auto-migrations cannot express; additive, valid on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T12:13:32:999999"
VERSION = "1.38.0"
DESCRIPTION = "composite unique and lookup indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="clients", description=DESCRIPTION)

    async def _unique_indexes():
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS client_email_workspace_email_uniq ON client_email (workspace, email)"
        )
        await engine_finder().run_ddl(
            "CREATE INDEX IF NOT EXISTS client_domain_workspace_domain_idx ON client_domain (workspace, domain)"
        )
        await engine_finder().run_ddl(
            "CREATE INDEX IF NOT EXISTS client_workspace_status_name_idx ON client (workspace, status, name)"
        )

    manager.add_raw(_unique_indexes)

    async def _drop_indexes():
        for name in (
            "client_email_workspace_email_uniq",
            "client_domain_workspace_domain_idx",
            "client_workspace_status_name_idx",
        ):
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw_backwards(_drop_indexes)

    return manager
