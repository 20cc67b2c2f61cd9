"""Piccolo app for clients' credits (the ledger, the balance cache, auto-recharge settings)."""

import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="credits",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["app.credits.tables"], exclude_imported=True),
    migration_dependencies=[
        "app.accounts.piccolo_app",
        "app.workspaces.piccolo_app",
        "app.clients.piccolo_app",
    ],
    commands=[],
)
