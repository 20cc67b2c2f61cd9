"""The monthly exchange rate table revenue history converts currencies with. Additive: one new table."""

from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.constraints import Unique

from app.core.migrations import MigrationManager

ID = "2026-11-30T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "monthly exchange rates"

_COLUMN = {
    "null": False,
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="revenue", description=DESCRIPTION)
    manager.add_table(class_name="ExchangeRate", tablename="exchange_rate", schema=None, columns=None)
    for name, length in (("month", 7), ("currency", 3), ("usd_per_unit", 32)):
        manager.add_column(
            table_class_name="ExchangeRate",
            tablename="exchange_rate",
            column_name=name,
            db_column_name=name,
            column_class_name="Varchar",
            column_class=Varchar,
            params={**_COLUMN, "length": length, "default": ""},
            schema=None,
        )
    manager.add_column(
        table_class_name="ExchangeRate",
        tablename="exchange_rate",
        column_name="updated_at",
        db_column_name="updated_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={**_COLUMN, "default": TimestamptzNow()},
        schema=None,
    )
    manager.add_constraint(
        table_class_name="ExchangeRate",
        tablename="exchange_rate",
        constraint_name="exchange_rate_unique",
        constraint_class=Unique,
        params={"columns": ["month", "currency"], "nulls_distinct": True},
        schema=None,
    )
    return manager
