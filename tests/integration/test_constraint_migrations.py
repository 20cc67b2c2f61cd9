"""app.core.migrations: a migration that adds or drops a `Unique` constraint runs on this engine, SQLite included."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from piccolo.columns import Varchar
from piccolo.constraints import Unique
from piccolo.engine import engine_finder
from piccolo.table import create_table_class

from app.core.migrations import MigrationManager

DUPLICATE = (sqlite3.IntegrityError, asyncpg.UniqueViolationError)


def _new_table_with_a_key() -> MigrationManager:
    manager = MigrationManager(migration_id="constraint-test", app_name="constraint_test")
    manager.add_table(class_name="ScratchCode", tablename="scratch_code")
    manager.add_column(
        table_class_name="ScratchCode",
        tablename="scratch_code",
        column_name="code",
        db_column_name="code",
        column_class_name="Varchar",
        column_class=Varchar,
        params={"length": 20},
    )
    manager.add_constraint(
        table_class_name="ScratchCode",
        tablename="scratch_code",
        constraint_name="scratch_code_unique",
        constraint_class=Unique,
        params={"columns": ["code"], "nulls_distinct": True},
    )
    return manager


async def _insert(code: str) -> None:
    await engine_finder().run_ddl(f"INSERT INTO scratch_code (code) VALUES ('{code}')")


async def test_a_new_table_gets_its_unique_constraint_and_loses_it_when_dropped_again():
    manager = _new_table_with_a_key()
    await manager.run()
    try:
        await _insert("A-1")
        with pytest.raises(DUPLICATE, match=r"(?i)unique"):
            await _insert("A-1")

        drop = MigrationManager(migration_id="constraint-test-drop", app_name="constraint_test")
        drop.drop_constraint(
            table_class_name="ScratchCode", tablename="scratch_code", constraint_name="scratch_code_unique"
        )
        await drop.run()
        await _insert("A-1")
    finally:
        await manager.run(backwards=True)
    assert not await create_table_class("ScratchCode", class_kwargs={"tablename": "scratch_code"}).table_exists()
