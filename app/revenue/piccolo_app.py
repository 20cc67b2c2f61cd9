"""Piccolo app for the revenue domain (MRR history, movements, churn, and the monthly exchange rates they use)."""

import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="revenue",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["app.revenue.tables"], exclude_imported=True),
    migration_dependencies=["app.stripe_data.piccolo_app"],
    commands=[],
)
