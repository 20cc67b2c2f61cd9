"""client_email's (workspace, email) key becomes the `Unique` constraint ClientEmail declares.

Databases made before this have it as the hand-written index client_email_workspace_email_uniq; it is replaced
in one transaction, so old and new databases end with the same schema and the differ of
`piccolo migrations new --auto` sees the constraint as made. On SQLite the constraint is a unique index of the
same name (app.core.migrations).
"""

from app.core.migrations import MigrationManager, index_to_constraint

ID = "2026-11-29T21:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "client_email unique key declared on the table"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="clients", description=DESCRIPTION)
    index_to_constraint(
        manager,
        table_class_name="ClientEmail",
        tablename="client_email",
        old_index="client_email_workspace_email_uniq",
        constraint_name="client_email_unique",
        columns=["workspace", "email"],
    )
    return manager
