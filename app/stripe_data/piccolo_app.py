"""Piccolo app for the stripe_data domain (objects mirrored from connected Stripe accounts)."""

import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="stripe_data",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["app.stripe_data.tables"], exclude_imported=True),
    migration_dependencies=["app.integrations.piccolo_app", "app.clients.piccolo_app"],
    commands=[],
)
