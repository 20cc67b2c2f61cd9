"""Invoice columns the overdue rules need (collection method, attempts, next retry, finalized at); additive,
SQLite and PostgreSQL. The next migration fills them from each row's raw JSON."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-29T18:35:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "invoice collection method, attempt count, next payment attempt and finalized at"

_COMMON = {
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stripe_data", description=DESCRIPTION)

    manager.add_column(
        table_class_name="StripeInvoice",
        tablename="stripe_invoice",
        column_name="collection_method",
        db_column_name="collection_method",
        column_class_name="Varchar",
        column_class=Varchar,
        params={"length": 30, "default": "charge_automatically", "null": False, **_COMMON},
        schema=None,
    )

    manager.add_column(
        table_class_name="StripeInvoice",
        tablename="stripe_invoice",
        column_name="attempt_count",
        db_column_name="attempt_count",
        column_class_name="Integer",
        column_class=Integer,
        params={"default": 0, "null": False, **_COMMON},
        schema=None,
    )

    for name in ("next_payment_attempt", "finalized_at"):
        manager.add_column(
            table_class_name="StripeInvoice",
            tablename="stripe_invoice",
            column_name=name,
            db_column_name=name,
            column_class_name="Timestamptz",
            column_class=Timestamptz,
            params={"default": None, "null": True, **_COMMON},
            schema=None,
        )

    return manager
