"""Piccolo app for the client billing page (the agency's branding and the clients' private billing links)."""

import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="client_billing",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["app.client_billing.tables"], exclude_imported=True),
    migration_dependencies=[
        "app.accounts.piccolo_app",
        "app.workspaces.piccolo_app",
        "app.clients.piccolo_app",
    ],
    commands=[],
)
