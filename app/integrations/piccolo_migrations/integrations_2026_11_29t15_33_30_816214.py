"""Sync pause after a purge (paused_at + why) and the disconnect_pending status; additive, SQLite and PostgreSQL."""

from enum import Enum

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-29T15:33:30:816214"
VERSION = "1.38.0"
DESCRIPTION = "sync pause columns and the disconnect_pending status"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)

    manager.add_column(
        table_class_name="StripeConnection",
        tablename="stripe_connection",
        column_name="sync_paused_at",
        db_column_name="sync_paused_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="StripeConnection",
        tablename="stripe_connection",
        column_name="sync_paused_reason",
        db_column_name="sync_paused_reason",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.alter_column(
        table_class_name="StripeConnection",
        tablename="stripe_connection",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "ConnectionStatus",
                {
                    "connected": "connected",
                    "disconnect_pending": "disconnect_pending",
                    "disconnected": "disconnected",
                    "error": "error",
                },
            )
        },
        old_params={
            "choices": Enum(
                "ConnectionStatus",
                {
                    "connected": "connected",
                    "disconnected": "disconnected",
                    "error": "error",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
