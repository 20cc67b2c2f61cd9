"""Piccolo's MigrationManager, with the `Unique` constraints a Table declares working on SQLite too.

Piccolo 1.38 adds a `Unique` constraint with `ALTER TABLE ... ADD CONSTRAINT`, which SQLite does not have (it
fails with a syntax error, also after a CREATE TABLE). SQLite enforces a UNIQUE constraint through a unique index
in any case, so on SQLite this manager creates a unique index with the constraint's name and columns instead,
and drops it for the reverse; PostgreSQL gets Piccolo's own statements. A migration still records its
constraints with `add_constraint`/`drop_constraint`, which is what the auto-migration differ reads, so
`piccolo migrations new --auto` sees the constraints the Table classes declare as already made.

Use it in every migration that adds or drops a constraint: `from app.core.migrations import MigrationManager`.
"""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import AddConstraintCollection
from piccolo.apps.migrations.auto.migration_manager import MigrationManager as PiccoloMigrationManager
from piccolo.constraints import Constraint, Unique
from piccolo.engine import engine_finder


def unique_index_ddl(tablename: str, constraint: Constraint) -> str:
    """The unique index that stands for `constraint` on SQLite.

    Raises:
        NotImplementedError: for a constraint an index cannot express (a CHECK needs the table rebuilt).
    """
    if not isinstance(constraint, Unique):
        raise NotImplementedError(f"SQLite cannot add the constraint {constraint._meta.name} to an existing table.")
    columns = ", ".join(_quoted(constraint.get_column_names()))
    return f'CREATE UNIQUE INDEX IF NOT EXISTS "{constraint._meta.name}" ON "{tablename}" ({columns})'


def drop_index_ddl(name: str) -> str:
    return f'DROP INDEX IF EXISTS "{name}"'


class MigrationManager(PiccoloMigrationManager):
    """Piccolo's manager; on SQLite, unique constraints are made as unique indexes of the same name."""

    async def _run_ddl(self, ddl: str) -> None:
        if self.preview:
            print(ddl)
        else:
            await engine_finder().run_ddl(ddl)

    @staticmethod
    def _on_sqlite() -> bool:
        return engine_finder().engine_type == "sqlite"

    async def _run_add_tables(self, backwards: bool = False):
        if not self._on_sqlite():
            return await super()._run_add_tables(backwards=backwards)
        # Piccolo would follow CREATE TABLE with ALTER TABLE ... ADD CONSTRAINT: create the tables without their
        # constraints, and _run_add_constraints (which runs next) gives new tables their indexes as well.
        held, self.add_constraints = self.add_constraints, AddConstraintCollection()
        try:
            await super()._run_add_tables(backwards=backwards)
        finally:
            self.add_constraints = held

    async def _run_add_constraints(self, backwards: bool = False):
        if not self._on_sqlite():
            return await super()._run_add_constraints(backwards=backwards)
        new_tables = {table.class_name for table in self.add_tables}
        for item in self.add_constraints.add_constraints:
            if backwards and item.table_class_name in new_tables:
                continue  # its index went with the table
            if backwards:
                await self._run_ddl(drop_index_ddl(item.constraint._meta.name))
            else:
                await self._run_ddl(unique_index_ddl(item.tablename, item.constraint))

    async def _run_drop_constraints(self, backwards: bool = False):
        if not self._on_sqlite():
            return await super()._run_drop_constraints(backwards=backwards)
        for item in self.drop_constraints.drop_constraints:
            if not backwards:
                await self._run_ddl(drop_index_ddl(item.constraint_name))
                continue
            table = await self.get_table_from_snapshot(
                table_class_name=item.table_class_name, app_name=self.app_name, offset=-1
            )
            constraint = table._meta.get_constraint_by_name(item.constraint_name)
            await self._run_ddl(unique_index_ddl(item.tablename, constraint))


def index_to_constraint(
    manager: MigrationManager,
    table_class_name: str,
    tablename: str,
    old_index: str,
    constraint_name: str,
    columns: list[str],
) -> None:
    """Replace a hand-written unique index with the `Unique` constraint the Table now declares.

    Forwards drops the index (IF EXISTS: whichever way the database got it) and adds the constraint, in the
    migration's transaction; backwards puts the index back before the constraint goes, so the key is never
    unenforced in either direction.
    """
    created = f"CREATE UNIQUE INDEX IF NOT EXISTS {old_index} ON {tablename} ({', '.join(_quoted(columns))})"

    async def drop_index() -> None:
        await engine_finder().run_ddl(drop_index_ddl(old_index))

    async def restore_index() -> None:
        await engine_finder().run_ddl(created)

    manager.add_raw(drop_index)
    manager.add_raw_backwards(restore_index)
    manager.add_constraint(
        table_class_name=table_class_name,
        tablename=tablename,
        constraint_name=constraint_name,
        constraint_class=Unique,
        params={"columns": columns, "nulls_distinct": True},
        schema=None,
    )


def _quoted(columns: list[str]) -> list[str]:
    return [f'"{name}"' for name in columns]
