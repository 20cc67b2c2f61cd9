"""Invoice `subtotal` and `total_excluding_tax` as columns, and the per-workspace data version token. Additive.

Revenue history needs each invoice's discount share, (subtotal - total_excluding_tax) / subtotal. Reading those two
fields out of 100,000 invoices' JSON was most of a rebuild's database time (docs/performance.md). The next
migration fills the columns of invoices synced before they existed. Its id must differ from every other app's:
piccolo forgets a reversed migration by id alone, so sharing the brief's 06:00:00 made reversing the brief forget this.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-11-30T06:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "invoice subtotal and total_excluding_tax columns; stripe_data_version"

_COMMON = {
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


class Workspace(Table, tablename="workspace", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)  # fmt: skip


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stripe_data", description=DESCRIPTION)
    for name in ("subtotal", "total_excluding_tax"):
        manager.add_column(
            table_class_name="StripeInvoice",
            tablename="stripe_invoice",
            column_name=name,
            db_column_name=name,
            column_class_name="Integer",
            column_class=Integer,
            params={**_COMMON, "default": None, "null": True},
            schema=None,
        )

    manager.add_table(class_name="StripeDataVersion", tablename="stripe_data_version", schema=None, columns=None)
    manager.add_column(
        table_class_name="StripeDataVersion",
        tablename="stripe_data_version",
        column_name="workspace",
        db_column_name="workspace",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            **_COMMON,
            "references": Workspace,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": True,
            "unique": True,
        },
        schema=None,
    )
    manager.add_column(
        table_class_name="StripeDataVersion",
        tablename="stripe_data_version",
        column_name="token",
        db_column_name="token",
        column_class_name="Varchar",
        column_class=Varchar,
        params={**_COMMON, "length": 32, "default": "", "null": False},
        schema=None,
    )
    manager.add_column(
        table_class_name="StripeDataVersion",
        tablename="stripe_data_version",
        column_name="changed_at",
        db_column_name="changed_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={**_COMMON, "default": TimestamptzNow(), "null": False},
        schema=None,
    )
    return manager
