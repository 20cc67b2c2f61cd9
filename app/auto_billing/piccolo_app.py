"""Piccolo app for Auto Billing's payout account (separate from the read-only Stripe connection)."""

import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="auto_billing",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["app.auto_billing.tables"], exclude_imported=True),
    migration_dependencies=["app.accounts.piccolo_app", "app.workspaces.piccolo_app"],
    commands=[],
)
