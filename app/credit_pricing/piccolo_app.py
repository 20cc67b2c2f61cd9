"""Piccolo app for credit pricing (the agency's Cost per Credit and its history)."""

import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="credit_pricing",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["app.credit_pricing.tables"], exclude_imported=True),
    migration_dependencies=["app.accounts.piccolo_app", "app.workspaces.piccolo_app"],
    commands=[],
)
