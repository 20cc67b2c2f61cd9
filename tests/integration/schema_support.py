"""Reading a database's unique indexes straight from its catalog, on SQLite and PostgreSQL alike.

Straight from the catalog (sqlite3 or asyncpg, not Piccolo) so the tests can inspect a scratch database as well
as the suite's own, and see what the migrations made rather than what the Table classes say.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import asyncpg
from piccolo.conf.apps import Finder
from piccolo.constraints import Unique
from piccolo.table import Table


@dataclass(frozen=True)
class UniqueKey:
    """A unique key a Table declares: a `Unique` constraint (named) or a `unique=True` column (unnamed)."""

    table: type[Table]
    columns: tuple[str, ...]
    name: str = ""

    def __str__(self) -> str:
        return f"{self.table._meta.tablename}({', '.join(self.columns)})"


def declared_unique_keys() -> list[UniqueKey]:
    """Every unique key the app's Table classes declare."""
    keys = []
    for table in Finder().get_table_classes():
        for column in table._meta.columns:
            if column._meta.unique and not column._meta.primary_key:
                keys.append(UniqueKey(table, (column._meta.db_column_name,)))
        for constraint in table._meta.constraints:
            if isinstance(constraint, Unique):
                keys.append(UniqueKey(table, tuple(constraint.get_column_names()), constraint._meta.name))
    return keys


_PG_UNIQUE_INDEXES = """
SELECT i.relname AS name, t.relname AS tablename, array_agg(a.attname ORDER BY k.ord) AS columns
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
WHERE x.indisunique AND NOT x.indisprimary AND x.indpred IS NULL AND n.nspname = 'public'
GROUP BY i.relname, t.relname
"""


async def unique_indexes(database_url: str | None, sqlite_path: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """index name -> (table, columns) of every full (not partial) unique index, primary keys aside."""
    if database_url:
        conn = await asyncpg.connect(database_url)
        try:
            rows = await conn.fetch(_PG_UNIQUE_INDEXES)
        finally:
            await conn.close()
        return {row["name"]: (row["tablename"], tuple(row["columns"])) for row in rows}
    found = {}
    with sqlite3.connect(sqlite_path) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            # index_list rows: seq, name, unique, origin ('c' CREATE INDEX, 'u' UNIQUE column, 'pk'), partial
            for _, name, unique, origin, partial in conn.execute(f'PRAGMA index_list("{table}")'):
                if unique and origin != "pk" and not partial:
                    columns = tuple(row[2] for row in conn.execute(f'PRAGMA index_info("{name}")'))
                    found[name] = (table, columns)
    return found


async def execute(database_url: str | None, sqlite_path: str, sql: str) -> list[tuple]:
    """Run one statement on a database the app's engine is not connected to; returns its rows."""
    if database_url:
        conn = await asyncpg.connect(database_url)
        try:
            return [tuple(row) for row in await conn.fetch(sql)]
        finally:
            await conn.close()
    with sqlite3.connect(sqlite_path) as conn:
        return conn.execute(sql).fetchall()
