"""The read-only JSON API under /api/v1: bearer-token authentication, JSON errors, and its OpenAPI document.

Everything here answers JSON, errors included: the router's exception handlers take the place of the HTML error
pages for its routes. No session and no CSRF: a token in the Authorization header is the only credential, so
there is no cookie for another site to ride on.
"""

from __future__ import annotations

import logging
from typing import Annotated

from litestar import Request, Response, Router, get
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.params import FromPath, QueryParameter

from app.api import resources, revenue, schemas, tokens
from app.api.errors import InvalidParameter, NotAuthenticated
from app.api.tokens import ApiCaller
from app.core.errors import DomainError, NotFound, RateLimited

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
OPENAPI_FILE = "/openapi.json"
OPENAPI_URL = PREFIX + OPENAPI_FILE
SECURITY_SCHEME = "bearerToken"
# Unix seconds up to the year 9999: wider than any invoice, narrow enough for every database's timestamps.
MAX_TIMESTAMP = 253_402_300_799

DESCRIPTION = """Read access to a workspace's clients, the invoices pulled from its Stripe account, and its
revenue figures: the MRR series, the monthly MRR movements with churn and retention, and the current flags. With
Auto Billing (the Agency plan), record the credits a client spends (`POST /usage`, idempotent with an
`Idempotency-Key` header) and read a client's credit balance and ledger.

**Authentication.** Send `Authorization: Bearer <token>` with a token an owner made in Settings → API. The token's
workspace scopes every answer. A missing, unknown or revoked token gets `401`.

**Money** is in integer minor units (cents) with its `currency`; **times** are Unix timestamps in seconds.

**Lists** are newest first and paginate as Stripe's do: `limit` (1–100, default 10) rows, then pass the last
row's `id` as `starting_after` for the next page while `has_more` is true. The MRR series and the movements are
not lists: each is one object holding a fixed 24 months, never paginated.

**Rates** (churn, retention) are exact decimal strings rounded to six places (`"0.050000"` is 5%), null when
undefined; never floats.

**Errors** answer `{"error": {"code", "message", "param"}}` with the HTTP status: `400` `invalid_parameter` or
`resource_missing` (a parameter names nothing in the workspace), `401` `missing_token` / `invalid_token`, `404`
`resource_missing`, `500` `internal_error`; the usage endpoints add `402` `insufficient_credits`, `403`
`plan_required` and `409` `idempotency_key_reused`.
"""

Caller = NamedDependency[ApiCaller]
Limit = Annotated[int, QueryParameter(ge=1, le=100, description="How many rows to return, 1 to 100.")]


def _created(bound: str, description: str) -> QueryParameter:
    return QueryParameter(
        name=f"created[{bound}]", ge=0, le=MAX_TIMESTAMP, description=f"{description} (Unix seconds)."
    )


def error_response(status_code: int, code: str, message: str, param: str | None = None) -> Response:
    """The API's error answer: `{"error": {"code", "message", "param"}}` with its status (and a 401's challenge)."""
    headers = {"WWW-Authenticate": "Bearer"} if status_code == 401 else None
    body = schemas.Error(error=schemas.ErrorDetail(code=code, message=message, param=param))
    return Response(content=body, status_code=status_code, headers=headers, media_type="application/json")


def _domain_error(request: Request, exc: DomainError) -> Response:
    if isinstance(exc, InvalidParameter):
        return error_response(400, exc.code, exc.message, exc.param)
    if isinstance(exc, NotAuthenticated):
        return error_response(401, exc.code, exc.message)
    if isinstance(exc, NotFound):
        return error_response(404, "resource_missing", exc.message)
    if isinstance(exc, RateLimited):
        return error_response(429, "rate_limited", exc.message)
    return error_response(400, "invalid_request", exc.message)


_ROUTING_ERRORS = {
    404: ("resource_missing", "There is no endpoint at this address."),
    405: ("method_not_allowed", "This address does not answer that method: the OpenAPI document lists each one's."),
}


def _query_name(request: Request, key: object) -> str | None:
    """The name the caller wrote ("created[gte]") for a handler argument Litestar names ("created_gte")."""
    if not isinstance(key, str):
        return None
    field = request.route_handler.parsed_fn_signature.parameters.get(key)
    definition = getattr(field, "kwarg_definition", None) if field else None
    return getattr(definition, "name", None) or key


def http_error(request: Request, exc: HTTPException) -> Response:
    """Litestar's own refusals (a malformed parameter, an unknown address, a POST) in the API's shape."""
    if isinstance(exc, ValidationException):
        problems = exc.extra if isinstance(exc.extra, list) else []
        first = problems[0] if problems and isinstance(problems[0], dict) else {}
        param = _query_name(request, first.get("key"))
        message = f"{param}: {first.get('message')}" if param else str(exc.detail)
        return error_response(400, "invalid_parameter", message, param)
    if exc.status_code >= 500:
        return _server_error(request, exc)
    code, message = _ROUTING_ERRORS.get(exc.status_code, ("invalid_request", str(exc.detail)))
    return error_response(exc.status_code, code, message)


def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "Something went wrong on our side. Try again in a moment.")


async def provide_caller(request: Request) -> ApiCaller:
    """The token's workspace, from `Authorization: Bearer <token>`."""
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise NotAuthenticated("missing_token", "Send an API token as 'Authorization: Bearer <token>'.")
    caller = await tokens.authenticate(secret.strip())
    if caller is None:
        raise NotAuthenticated("invalid_token", "This API token is not valid: it is mistyped or was revoked.")
    return caller


EXCEPTION_HANDLERS = {DomainError: _domain_error, HTTPException: http_error, 500: _server_error}
ERRORS = {
    400: ResponseSpec(
        schemas.Error,
        generate_examples=False,
        description="A parameter is malformed or names nothing in the workspace.",
    ),
    401: ResponseSpec(schemas.Error, generate_examples=False, description="No token, or an unknown or revoked one."),
}
NOT_FOUND = {
    404: ResponseSpec(schemas.Error, generate_examples=False, description="No such client in the token's workspace.")
}


@get("/clients", name="api:clients", operation_id="listClients", summary="List clients", responses=ERRORS)
async def list_clients(
    request: Request,
    caller: Caller,
    limit: Limit = 10,
    starting_after: Annotated[
        int | None, QueryParameter(ge=1, description="A client id: the page starts after it.")
    ] = None,
    status: Annotated[
        schemas.ClientStatus | None, QueryParameter(description="Only active or archived clients.")
    ] = None,
) -> schemas.ClientList:
    """List the workspace's clients, newest first, with their revenue figures."""
    page = resources.Page(limit=limit, starting_after=None if starting_after is None else str(starting_after))
    rows, has_more = await resources.list_clients(caller.workspace, page, status)
    return schemas.ClientList(object="list", data=rows, has_more=has_more, url=request.url.path)


@get(
    "/clients/{client_id:int}",
    name="api:client",
    operation_id="getClient",
    summary="Retrieve a client",
    responses={**ERRORS, **NOT_FOUND},
)
async def get_client(caller: Caller, client_id: FromPath[int]) -> schemas.Client:
    """One client with its revenue figures."""
    return await resources.get_client(caller.workspace, client_id)


@get("/invoices", name="api:invoices", operation_id="listInvoices", summary="List invoices", responses=ERRORS)
async def list_invoices(
    request: Request,
    caller: Caller,
    limit: Limit = 10,
    starting_after: Annotated[str | None, QueryParameter(max_length=64, description="An invoice id (in_…).")] = None,
    client: Annotated[int | None, QueryParameter(ge=1, description="Only this client's invoices.")] = None,
    status: Annotated[schemas.InvoiceStatus | None, QueryParameter(description="Only invoices in this status.")] = None,
    created_gte: Annotated[int | None, _created("gte", "Created at or after")] = None,
    created_gt: Annotated[int | None, _created("gt", "Created after")] = None,
    created_lte: Annotated[int | None, _created("lte", "Created at or before")] = None,
    created_lt: Annotated[int | None, _created("lt", "Created before")] = None,
) -> schemas.InvoiceList:
    """List the invoices pulled from the workspace's Stripe account, newest first."""
    filters = resources.InvoiceFilters(client, status, created_gte, created_gt, created_lte, created_lt)
    rows, has_more = await resources.list_invoices(caller.workspace, resources.Page(limit, starting_after), filters)
    return schemas.InvoiceList(object="list", data=rows, has_more=has_more, url=request.url.path)


ClientScope = Annotated[
    int | None,
    QueryParameter(ge=1, description="A client id: that client's figures instead of the whole workspace's."),
]
NOT_PAGINATED = "Not paginated: always the fixed months of the series, oldest first."


@get(
    "/mrr",
    name="api:mrr",
    operation_id="getMrrSeries",
    summary="Retrieve the MRR series",
    description=(
        "MRR at the last second of each of the last 24 months and now (25 points), with the revenue invoiced and "
        f"paid in each month, in the workspace currency. {NOT_PAGINATED}"
    ),
    responses=ERRORS,
)
async def get_mrr(request: Request, caller: Caller, client: ClientScope = None) -> schemas.MrrSeries:
    return await revenue.mrr_series(caller.workspace, client, request.url.path)


@get(
    "/movements",
    name="api:movements",
    operation_id="getMrrMovements",
    summary="Retrieve the MRR movements",
    description=(
        "How MRR moved in each of the last 23 months and the current one (24 months): new, expansion, "
        "contraction, churn and reactivation as signed changes that add up to `net_change`, with the churn and "
        f"retention rates as exact decimal strings. {NOT_PAGINATED}"
    ),
    responses=ERRORS,
)
async def get_movements(request: Request, caller: Caller, client: ClientScope = None) -> schemas.MovementSeries:
    return await revenue.movement_series(caller.workspace, client, request.url.path)


@get(
    "/flags",
    name="api:flags",
    operation_id="listFlags",
    summary="List flags",
    description=(
        "The current quietly cancelling flags and upsell opportunities, one row per rule that fired for a client, "
        "with the rule's sentence. Newest client first, then Stripe customers not matched to a client."
    ),
    responses=ERRORS,
)
async def list_flags(
    request: Request,
    caller: Caller,
    limit: Limit = 10,
    starting_after: Annotated[str | None, QueryParameter(max_length=200, description="A flag id.")] = None,
    client: Annotated[int | None, QueryParameter(ge=1, description="Only this client's flags.")] = None,
    kind: Annotated[schemas.FlagKind | None, QueryParameter(description="Only cancelling or only upsell.")] = None,
) -> schemas.FlagList:
    """The current quietly cancelling flags and upsell opportunities, one row per rule that fired for a client.

    Newest client first, then Stripe customers not matched to a client; each client's flags in a fixed rule order.
    """
    page = resources.Page(limit, starting_after)
    rows, has_more = await revenue.list_flags(caller.workspace, page, revenue.FlagFilters(client, kind))
    return schemas.FlagList(object="list", data=rows, has_more=has_more, url=request.url.path)


api_router = Router(
    path=PREFIX,
    route_handlers=[list_clients, get_client, list_invoices, get_mrr, get_movements, list_flags],
    dependencies={"caller": Provide(provide_caller)},
    exception_handlers=EXCEPTION_HANDLERS,
    opt={"exclude_from_csrf": True},
    security=[{SECURITY_SCHEME: []}],
    tags=["ClientPulse API"],
)


def _json_not_found(response: Response) -> Response:
    """The OpenAPI router answers unknown /api/v1/<name> addresses with an HTML page: give callers JSON instead."""
    if response.status_code == 404:
        return error_response(404, *_ROUTING_ERRORS[404])
    return response


def openapi_config() -> OpenAPIConfig:
    """The API's OpenAPI document as JSON at /api/v1/openapi.json: no HTML viewers, which would load CDN scripts."""
    return OpenAPIConfig(
        title="ClientPulse API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_router=Router(path=PREFIX, route_handlers=[], include_in_schema=False, after_request=_json_not_found),
        render_plugins=[JsonRenderPlugin(path=OPENAPI_FILE)],
        components=Components(
            security_schemes={SECURITY_SCHEME: SecurityScheme(type="http", scheme="bearer", description="An API token")}
        ),
        create_examples=False,
    )
