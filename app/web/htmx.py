"""Helpers for choosing between a full page and an HTMX fragment, and for answering a mutation either way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from litestar import Request
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Response, Template

from app.web.flash import flash

VARY = {"Vary": "HX-Request"}
Context = Mapping[str, Any] | Callable[[], Awaitable[Mapping[str, Any]]]


def is_partial(request: Request) -> bool:
    """True for an HTMX request that wants a fragment (not a boosted navigation or a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def page_or_fragment(
    request: Request, page: str, fragment: str, context: dict[str, Any], status_code: int = 200
) -> Template:
    """Render `fragment` for HTMX requests and `page` otherwise; responses vary on HX-Request."""
    name = fragment if is_partial(request) else page
    return Template(template_name=name, context=context, status_code=status_code, headers=VARY)


async def fragment_or_redirect(
    request: Request,
    template: str,
    context: Context,
    *,
    redirect_to: str,
    message: str | None = None,
    level: str = "success",
    status_code: int = 200,
    redirect_status: int = 303,
) -> Response:
    """After a mutation: htmx gets `template` swapped in; a plain form gets `message` flashed and a redirect.

    `context` may be a coroutine function, so the fragment's queries only run when a fragment is sent. Without
    `message` the plain answer is only the redirect (for fragments that have no page of their own).
    """
    if not is_partial(request):
        if message:
            flash(request, message, level)
        return Redirect(redirect_to, status_code=redirect_status)
    values = await context() if callable(context) else context
    return Template(template, context=dict(values), status_code=status_code, headers=VARY)


def navigate(request: Request, url: str) -> Response:
    """Go to another page after a mutation: HX-Redirect for htmx, a 303 for plain forms."""
    if not is_partial(request):
        return Redirect(url, status_code=303)
    response = ClientRedirect(url)
    response.status_code = 200  # htmx only follows HX-Redirect on a 2xx; a POST would default to 201
    return response
