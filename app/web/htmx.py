"""Helpers for choosing between a full page and an HTMX fragment."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template


def is_partial(request: Request) -> bool:
    """True for an HTMX request that wants a fragment (not a boosted navigation or a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def page_or_fragment(
    request: Request, page: str, fragment: str, context: dict[str, Any], status_code: int = 200
) -> Template:
    """Render `fragment` for HTMX requests and `page` otherwise; responses vary on HX-Request."""
    name = fragment if is_partial(request) else page
    return Template(template_name=name, context=context, status_code=status_code, headers={"Vary": "HX-Request"})
