"""Every unique key an ON CONFLICT upsert relies on is declared on its Table, made by the migrations, and enforced."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.conf.apps import Finder
from piccolo.testing.model_builder import ModelBuilder

from app.settings import get_settings
from tests.integration.schema_support import declared_unique_keys, unique_indexes

KEYS = declared_unique_keys()

# What the upserts name in ON CONFLICT (app/stripe_data, app/accounts/throttle.py): if one of these stops being
# declared, an upsert fails at run time on PostgreSQL ("no unique or exclusion constraint matching").
UPSERT_KEYS = {
    "stripe_customer(workspace, stripe_id)",
    "stripe_subscription(workspace, stripe_id)",
    "stripe_invoice(workspace, stripe_id)",
    "stripe_invoice_line(workspace, invoice_id, stripe_id)",
    "stripe_charge(workspace, stripe_id)",
    "stripe_refund(workspace, stripe_id)",
    "customer_match(workspace, account_id, customer_id)",
    "sync_checkpoint(workspace, account_id)",
    "stripe_partial_object(workspace, account_id, object_type, stripe_id)",
    "login_throttle(key)",
}


def test_the_keys_the_upserts_rely_on_are_declared_on_their_tables():
    assert {str(key) for key in KEYS} >= UPSERT_KEYS


async def test_the_migrated_database_has_a_unique_index_for_every_declared_key():
    settings = get_settings()
    found = await unique_indexes(settings.database_url, str(settings.sqlite_path))
    by_columns = {(table, columns) for table, columns in found.values()}
    for key in KEYS:
        if key.name:  # a constraint: PostgreSQL names its index after it, and so does app.core.migrations on SQLite
            assert found.get(key.name) == (key.table._meta.tablename, key.columns), f"{key.name} is missing"
        else:
            assert (key.table._meta.tablename, key.columns) in by_columns, f"{key} has no unique index"


@pytest.mark.parametrize("key", KEYS, ids=str)
async def test_a_second_row_with_the_same_key_is_refused(key):
    first = await ModelBuilder.build(key.table)
    same_key = {key.table._meta.get_column_by_name(name): getattr(first, name) for name in key.columns}
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError), match=r"(?i)unique"):
        await ModelBuilder.build(key.table, defaults=same_key)


async def test_the_auto_migration_differ_finds_nothing_left_to_migrate():
    for app_config in Finder().get_app_registry().app_configs.values():
        statements = await AutoMigrationManager(auto_input="n").get_alter_statements(app_config=app_config)
        assert [s for group in statements for s in group.statements] == [], app_config.app_name


def test_no_two_migrations_share_an_id():
    # Piccolo forgets a reversed migration by its id alone, whatever the app: a shared id unrecords both.
    ids = [
        migration_id
        for app_config in Finder().get_app_registry().app_configs.values()
        for migration_id in AutoMigrationManager().get_migration_modules(app_config.resolved_migrations_folder_path)
    ]
    assert len(ids) == len(set(ids))
