"""The app's pages the Monday Brief links to, as absolute URLs built from BASE_URL.

The brief is composed in a worker, below the HTTP layer, where no Litestar app is at hand to reverse route names.
So each path is written here once, under the route name it belongs to; tests/integration/test_brief_content.py
checks every one against `app.route_reverse`, so renaming a route fails that test instead of breaking emails.
"""

from __future__ import annotations

from app.settings import get_settings

PATHS = {
    "dashboard": "/dashboard",
    "clients:show": "/dashboard/clients/{client_id}",
    "integrations:index": "/dashboard/integrations",
    "integrations:unmatched": "/dashboard/integrations/stripe/unmatched",
    "settings:brief": "/dashboard/settings/brief",
}


def link(name: str, **params: object) -> str:
    """BASE_URL plus the path of the route `name` (never a request's Host header: these go out by email)."""
    return get_settings().base_url.rstrip("/") + PATHS[name].format(**params)
