"""Who opted out of a workspace's Monday Brief. Additive: one new table."""

from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.constraints import Unique
from piccolo.table import Table

from app.core.migrations import MigrationManager

ID = "2026-11-30T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "brief opt-outs"


def _id() -> Serial:
    return Serial(null=False, primary_key=True, index=False, index_method=IndexMethod.btree, db_column_name="id")


class Workspace(Table, tablename="workspace", schema=None):
    id = _id()


class User(Table, tablename="app_user", schema=None):
    id = _id()


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
    manager = MigrationManager(migration_id=ID, app_name="brief", description=DESCRIPTION)
    manager.add_table(class_name="BriefOptOut", tablename="brief_opt_out", schema=None, columns=None)
    for name, references in (("workspace", Workspace), ("user", User)):
        manager.add_column(
            table_class_name="BriefOptOut",
            tablename="brief_opt_out",
            column_name=name,
            db_column_name=name,
            column_class_name="ForeignKey",
            column_class=ForeignKey,
            params={
                **_COLUMN,
                "null": True,
                "index": True,
                "default": None,
                "references": references,
                "on_delete": OnDelete.cascade,
                "on_update": OnUpdate.cascade,
                "target_column": None,
            },
            schema=None,
        )
    manager.add_column(
        table_class_name="BriefOptOut",
        tablename="brief_opt_out",
        column_name="created_at",
        db_column_name="created_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={**_COLUMN, "default": TimestamptzNow()},
        schema=None,
    )
    manager.add_constraint(
        table_class_name="BriefOptOut",
        tablename="brief_opt_out",
        constraint_name="brief_opt_out_unique",
        constraint_class=Unique,
        params={"columns": ["workspace", "user"], "nulls_distinct": True},
        schema=None,
    )
    return manager
