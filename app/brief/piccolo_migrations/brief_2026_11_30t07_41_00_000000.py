"""The record of each brief claimed and sent, unique per person, workspace and ISO week. Additive: one new table."""

from enum import Enum

from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.constraints import Unique
from piccolo.table import Table

from app.core.migrations import MigrationManager

ID = "2026-11-30T07:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "brief deliveries"

TABLE = {"table_class_name": "BriefDelivery", "tablename": "brief_delivery", "schema": None}


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


def _add(manager: MigrationManager, name: str, column_class: type, **params: object) -> None:
    manager.add_column(
        **TABLE,
        column_name=name,
        db_column_name=name,
        column_class_name=column_class.__name__,
        column_class=column_class,
        params={**_COLUMN, **params},
    )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="brief", description=DESCRIPTION)
    manager.add_table(class_name="BriefDelivery", tablename="brief_delivery", schema=None, columns=None)
    for name, references in (("workspace", Workspace), ("user", User)):
        _add(
            manager,
            name,
            ForeignKey,
            null=True,
            index=True,
            default=None,
            references=references,
            on_delete=OnDelete.cascade,
            on_update=OnUpdate.cascade,
            target_column=None,
        )
    _add(manager, "iso_year", Integer, default=0)
    _add(manager, "iso_week", Integer, default=0)
    statuses = ("claimed", "sent", "failed", "dropped", "skipped")
    choices = Enum("DeliveryStatus", {status: status for status in statuses})
    _add(manager, "status", Varchar, length=10, default="claimed", index=True, choices=choices)
    _add(manager, "attempts", Integer, default=1)
    _add(manager, "claimed_at", Timestamptz, default=TimestamptzNow())
    _add(manager, "next_attempt_at", Timestamptz, null=True, default=None)
    _add(manager, "deadline_at", Timestamptz, default=TimestamptzNow())
    _add(manager, "last_error", Text, default="")
    _add(manager, "outbox_id", Integer, null=True, default=None)
    _add(manager, "created_at", Timestamptz, default=TimestamptzNow())
    _add(manager, "sent_at", Timestamptz, null=True, default=None)
    manager.add_constraint(
        **TABLE,
        constraint_name="brief_delivery_unique",
        constraint_class=Unique,
        params={"columns": ["workspace", "user", "iso_year", "iso_week"], "nulls_distinct": True},
    )
    return manager
