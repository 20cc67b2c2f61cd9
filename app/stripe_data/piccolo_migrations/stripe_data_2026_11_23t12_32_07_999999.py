"""Unique keys that make every upsert idempotent, and the lookups the clients page needs; valid on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T12:32:07:999999"
VERSION = "1.38.0"
DESCRIPTION = "unique (workspace, stripe id) keys and lookup indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stripe_data", description=DESCRIPTION)

    async def _indexes():
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS stripe_customer_uniq ON stripe_customer (workspace, stripe_id)"
        )
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS stripe_subscription_uniq ON stripe_subscription (workspace, stripe_id)"
        )
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS stripe_invoice_uniq ON stripe_invoice (workspace, stripe_id)"
        )
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS stripe_invoice_line_uniq ON stripe_invoice_line (workspace, invoice_id, stripe_id)"
        )
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS stripe_charge_uniq ON stripe_charge (workspace, stripe_id)"
        )
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS stripe_refund_uniq ON stripe_refund (workspace, stripe_id)"
        )
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS customer_match_uniq ON customer_match (workspace, account_id, customer_id)"
        )
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS sync_checkpoint_uniq ON sync_checkpoint (workspace, account_id)"
        )
        await engine_finder().run_ddl(
            "CREATE INDEX IF NOT EXISTS stripe_invoice_ws_customer_idx ON stripe_invoice (workspace, customer_id, status)"
        )
        await engine_finder().run_ddl(
            "CREATE INDEX IF NOT EXISTS stripe_charge_ws_customer_idx ON stripe_charge (workspace, customer_id)"
        )
        await engine_finder().run_ddl(
            "CREATE INDEX IF NOT EXISTS customer_match_ws_client_idx ON customer_match (workspace, client)"
        )

    manager.add_raw(_indexes)

    async def _drop_indexes():
        for name in (
            "stripe_customer_uniq",
            "stripe_subscription_uniq",
            "stripe_invoice_uniq",
            "stripe_invoice_line_uniq",
            "stripe_charge_uniq",
            "stripe_refund_uniq",
            "customer_match_uniq",
            "sync_checkpoint_uniq",
            "stripe_invoice_ws_customer_idx",
            "stripe_charge_ws_customer_idx",
            "customer_match_ws_client_idx",
        ):
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw_backwards(_drop_indexes)

    return manager
