"""Piccolo's configuration: SQLite (WAL) by default, PostgreSQL when DATABASE_URL is set."""

from piccolo.conf.apps import AppRegistry

from app.core.postgres import AppPostgresEngine
from app.core.sqlite import AppSQLiteEngine
from app.settings import get_settings

_settings = get_settings()

if _settings.uses_postgres:
    DB = AppPostgresEngine(config={"dsn": _settings.database_url})
else:
    _settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    # A generous timeout lets the web process and the Huey consumer wait for each other's writes.
    DB = AppSQLiteEngine(path=str(_settings.sqlite_path), timeout=30)

APP_REGISTRY = AppRegistry(
    apps=[
        "app.core.piccolo_app",
        "app.accounts.piccolo_app",
        "app.workspaces.piccolo_app",
        "app.clients.piccolo_app",
        "app.integrations.piccolo_app",
        "app.stripe_data.piccolo_app",
        "app.api.piccolo_app",
        "app.revenue.piccolo_app",
        "app.brief.piccolo_app",
        "app.credit_pricing.piccolo_app",
        "app.billing.piccolo_app",
        "app.auto_billing.piccolo_app",
        "app.credits.piccolo_app",
        "app.client_billing.piccolo_app",
    ]
)
