"""Templates link by route name (url_for), so renaming a route's path is one change in its controller."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from litestar.exceptions import NoRouteMatchFoundException

from app.web.templating import TEMPLATE_DIR, environment

# An internal path spelled in a link, a form or an htmx attribute (absolute URLs to other sites are fine).
SPELLED_PATH = re.compile(r'\b(href|action|src|hx-(?:get|post|put|patch|delete))="/')
NAMED_ROUTE = re.compile(r"url_for\('([^']+)'\s*[,)]")


def _templates() -> list:
    return sorted(TEMPLATE_DIR.rglob("*.html"))


def test_no_template_spells_an_internal_path():
    spelled = [
        f"{path.relative_to(TEMPLATE_DIR)}:{number}: {line.strip()[:100]}"
        for path in _templates()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if SPELLED_PATH.search(line)
    ]
    assert spelled == []


def test_every_route_name_the_templates_use_exists(app):
    names = {name for path in _templates() for name in NAMED_ROUTE.findall(path.read_text())}
    assert "clients:index" in names  # the scan itself finds names
    assert sorted(name for name in names if app.get_handler_index_by_name(name) is None) == []


def test_an_unknown_route_name_fails_the_render_instead_of_linking_nowhere(app):
    request = SimpleNamespace(app=app)
    assert environment().from_string("{{ url_for('clients:show', client_id=7) }}").render(request=request) == (
        "/dashboard/clients/7"
    )
    with pytest.raises(NoRouteMatchFoundException):
        environment().from_string("{{ url_for('clients:nowhere') }}").render(request=request)
