"""Map domain errors and HTTP errors to pages, or to HTMX toasts, always with a real status code."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from app.api.endpoints import PREFIX as API_PREFIX
from app.api.endpoints import http_error as api_http_error
from app.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    PlanRequired,
    RateLimited,
    ValidationFailed,
)
from app.web.auth import NotAuthenticated, NoWorkspace

log = logging.getLogger(__name__)

STATUS_FOR = {
    NotFound: 404,
    PermissionDenied: 403,
    PlanRequired: 403,
    Conflict: 409,
    RateLimited: 429,
    ValidationFailed: 422,
}
TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    422: "Check your input",
    429: "Slow down",
    500: "Something went wrong",
}


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _toast(message: str, status_code: int, level: str = "error") -> Response:
    """An HTMX error: no swap, a toast event, and the real status code (htmx fires the event on any status)."""
    return Response(
        content="",
        status_code=status_code,
        headers={"HX-Trigger": json.dumps({"toast": {"message": message, "level": level}}), "HX-Reswap": "none"},
    )


def _error_page(request: Request, status_code: int, message: str, **extra: object) -> Response:
    if _is_htmx(request):
        return _toast(message, status_code)
    return Template(
        template_name="errors/error.html",
        context={"status_code": status_code, "title": TITLES.get(status_code, "Error"), "message": message, **extra},
        status_code=status_code,
    )


def handle_domain_error(request: Request, exc: DomainError) -> Response:
    status_code = next((code for cls, code in STATUS_FOR.items() if isinstance(exc, cls)), 400)
    return _error_page(request, status_code, exc.message, upgrade=isinstance(exc, PlanRequired))


def handle_not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    login_url = f"{request.app.route_reverse('accounts:login')}?next={quote(target)}"
    if _is_htmx(request):
        return Response(content="", status_code=401, headers={"HX-Redirect": login_url})
    return Redirect(login_url)


def handle_no_workspace(request: Request, exc: NoWorkspace) -> Response:
    new_workspace = request.app.route_reverse("workspaces:new")
    if _is_htmx(request):
        return Response(content="", status_code=409, headers={"HX-Redirect": new_workspace})
    return Redirect(new_workspace)


def handle_http_error(request: Request, exc: HTTPException) -> Response:
    if request.url.path.startswith(API_PREFIX + "/"):
        # No route matched (or not for this method), so the API router's own handlers never saw it: answer JSON.
        return api_http_error(request, exc)
    status_code = exc.status_code
    if status_code == 403 and "CSRF" in str(exc.detail):
        message = "Your form expired or was sent from another site. Reload the page and try again."
    elif isinstance(exc, NotFoundException):
        message = "There's nothing at this address."
    elif isinstance(exc, (PermissionDeniedException, NotAuthorizedException)):
        message = "You're not allowed to do that."
    elif status_code >= 500:
        message = "Something went wrong on our side. Try again in a moment."
    else:
        message = str(exc.detail) if exc.detail else TITLES.get(status_code, "Error")
    return _error_page(request, status_code, message)


def handle_server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _error_page(
        request, HTTP_500_INTERNAL_SERVER_ERROR, "Something went wrong on our side. Try again in a moment."
    )


EXCEPTION_HANDLERS = {
    DomainError: handle_domain_error,
    NotAuthenticated: handle_not_authenticated,
    NoWorkspace: handle_no_workspace,
    HTTPException: handle_http_error,
    HTTP_500_INTERNAL_SERVER_ERROR: handle_server_error,
}
