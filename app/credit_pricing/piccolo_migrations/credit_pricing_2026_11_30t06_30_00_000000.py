"""The credit_price table: each change of a workspace's Cost per Credit. Additive: one new table."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class User(Table, tablename="app_user", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class Workspace(Table, tablename="workspace", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


ID = "2026-11-30T06:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "credit pricing history"

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
_TABLE = {"table_class_name": "CreditPrice", "tablename": "credit_price", "schema": None}


def _foreign_key(references: type[Table], on_delete: OnDelete, null: bool, index: bool) -> dict:
    return {
        **_COLUMN,
        "references": references,
        "on_delete": on_delete,
        "on_update": OnUpdate.cascade,
        "target_column": None,
        "null": null,
        "index": index,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="credit_pricing", description=DESCRIPTION)
    manager.add_table(class_name="CreditPrice", tablename="credit_price", schema=None, columns=None)
    columns = (
        ("workspace", ForeignKey, _foreign_key(Workspace, OnDelete.cascade, null=False, index=True)),
        ("cost_per_credit", Varchar, {**_COLUMN, "length": 32, "default": ""}),
        ("platform_price_per_credit", Varchar, {**_COLUMN, "length": 32, "default": ""}),
        ("set_by", ForeignKey, _foreign_key(User, OnDelete.set_null, null=True, index=False)),
        ("created_at", Timestamptz, {**_COLUMN, "default": TimestamptzNow()}),
    )
    for name, column_class, params in columns:
        manager.add_column(
            **_TABLE,
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
        )
    return manager
