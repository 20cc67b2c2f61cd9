"""membership's (workspace, user) key becomes the `Unique` constraint Membership declares.

Databases made before this have it as the hand-written index membership_workspace_user_uniq; it is replaced in
one transaction, so old and new databases end with the same schema and the differ of
`piccolo migrations new --auto` sees the constraint as made. On SQLite the constraint is a unique index of the
same name (app.core.migrations).
"""

from app.core.migrations import MigrationManager, index_to_constraint

ID = "2026-11-29T21:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "membership unique key declared on the table"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workspaces", description=DESCRIPTION)
    index_to_constraint(
        manager,
        table_class_name="Membership",
        tablename="membership",
        old_index="membership_workspace_user_uniq",
        constraint_name="membership_unique",
        columns=["workspace", "user"],
    )
    return manager
