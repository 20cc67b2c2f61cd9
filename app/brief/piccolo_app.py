"""Piccolo app for the Monday Brief (who opted out, and the record of each brief claimed and sent)."""

import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="brief",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["app.brief.tables"], exclude_imported=True),
    migration_dependencies=["app.workspaces.piccolo_app"],
    commands=[],
)
