"""The usage API: record credits a client spent (idempotently), and read a client's balance and ledger.

These are the API's only writes. A write is safe to retry: the `Idempotency-Key` header names the request, the
same key and body answer the first result again (200, `Idempotent-Replayed: true`), and the same key with another
body is refused (409). The rules live in app.credits.usage; this module maps them to HTTP.
"""

from __future__ import annotations

import re
from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from app.api import schemas
from app.api.endpoints import (
    ERRORS,
    EXCEPTION_HANDLERS,
    NOT_FOUND,
    PREFIX,
    SECURITY_SCHEME,
    Caller,
    Limit,
    error_response,
    http_error,
    provide_caller,
)
from app.api.errors import InvalidParameter
from app.api.tokens import ApiCaller
from app.core.errors import Conflict, DomainError, PlanRequired, ValidationFailed
from app.core.timeutil import as_moment
from app.credits import usage
from app.credits.ledger import InsufficientCredits
from app.workspaces import plans

_MISSING = re.compile(r"missing required field `(\w+)`")
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_HEADER = "Idempotency-Key"


def _unix(moment: object) -> int | None:
    value = as_moment(moment)
    return int(value.timestamp()) if value else None


def _credits_error(request: Request, exc: DomainError) -> Response:
    """The usage rules' refusals; anything else is the API's usual mapping."""
    if isinstance(exc, InsufficientCredits):
        return error_response(402, "insufficient_credits", exc.message, "credits")
    if isinstance(exc, Conflict):
        return error_response(409, getattr(exc, "code", "conflict"), exc.message, KEY_HEADER)
    if isinstance(exc, PlanRequired):
        return error_response(403, "plan_required", f"{exc.message}. Upgrade on the billing page.")
    if isinstance(exc, ValidationFailed):
        param, message = next(iter(exc.errors.items()))
        return error_response(400, "invalid_parameter", message, param)
    return EXCEPTION_HANDLERS[DomainError](request, exc)


def _body_error(request: Request, exc: HTTPException) -> Response:
    """A body field missing is named as the field (Litestar names the whole body `data`); else the usual answer."""
    problems = exc.extra if isinstance(exc, ValidationException) and isinstance(exc.extra, list) else []
    first = problems[0] if problems and isinstance(problems[0], dict) else {}
    if first.get("key") == "data" and (missing := _MISSING.search(str(first.get("message")))):
        field = missing.group(1)
        return error_response(
            400, "invalid_parameter", f"{field}: a required field is missing from the JSON body.", field
        )
    return http_error(request, exc)


async def provide_billing_caller(request: Request) -> ApiCaller:
    """The token's workspace, which must be on a plan with Auto Billing (a downgraded one is refused, 403)."""
    caller = await provide_caller(request)
    plans.require(caller.workspace, plans.Feature.auto_billing)
    return caller


def _spec(status: int, description: str) -> dict[int, ResponseSpec]:
    return {status: ResponseSpec(schemas.Error, generate_examples=False, description=description)}


PLAN = _spec(403, "The workspace's plan has no Auto Billing.")
USAGE_ERRORS = {
    **ERRORS,
    **PLAN,
    **NOT_FOUND,
    200: ResponseSpec(
        schemas.Usage,
        generate_examples=False,
        description=f"A retry: this key and body were recorded before; the first result, with `{REPLAYED_HEADER}`.",
    ),
    **_spec(402, "Not enough credits, and auto-recharge is off or did not cover it: nothing was recorded."),
    **_spec(409, "The Idempotency-Key was already used for a different body: nothing was recorded."),
}
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name=KEY_HEADER,
        required=True,
        min_length=1,
        max_length=usage.KEY_LENGTH,
        pattern=r"^[\x20-\x7e]+$",
        description="Your unique id for this request (a UUID, say); a retry with the same key records nothing new.",
        examples=[Example(value="0b8f2f6e-1b4c-4f0e-9d2a-5c3e7a9b1d20")],
    ),
]


def _usage(result: usage.UsageResult) -> schemas.Usage:
    return schemas.Usage(
        object="usage",
        id=result.entry_id,
        client=result.client_id,
        credits=result.credits,
        balance_after=result.balance_after,
        description=result.description,
        created=_unix(result.created_at) or 0,
    )


@post(
    "/usage",
    name="api:record_usage",
    operation_id="recordUsage",
    summary="Record usage",
    description=(
        "Spend a client's credits. Send an `Idempotency-Key` header: a retry with the same key and body records "
        "nothing new and answers the first result (200 with `Idempotent-Replayed: true`); the same key with another "
        "body gets 409. When the balance is short, auto-recharge (if the client turned it on) tops it up first; "
        "otherwise the call is refused with 402 and nothing is recorded."
    ),
    status_code=201,
    responses=USAGE_ERRORS,
)
async def record_usage(
    caller: Caller, data: JSONBody[schemas.UsageRequest], idempotency_key: IdempotencyKey = None
) -> Response[schemas.Usage]:
    """Record credits a client spent, once per idempotency key."""
    if not idempotency_key:
        raise ValidationFailed(
            {KEY_HEADER: f"Send an {KEY_HEADER} header naming this request, so a retry is never counted twice."}
        )
    result = await usage.record_usage(caller.workspace.id, data.client, data.credits, data.description, idempotency_key)
    headers = {REPLAYED_HEADER: "true"} if result.replayed else {}
    return Response(_usage(result), status_code=200 if result.replayed else 201, headers=headers)


@get(
    "/clients/{client_id:int}/credits",
    name="api:client_credits",
    operation_id="getClientCredits",
    summary="Retrieve a client's credit balance",
    responses={**ERRORS, **PLAN, **NOT_FOUND},
)
async def get_credits(caller: Caller, client_id: FromPath[int]) -> schemas.CreditBalance:
    """The client's credit balance and auto-recharge settings."""
    state = await usage.credit_state(caller.workspace.id, client_id)
    return schemas.CreditBalance(
        object="credit_balance",
        client=state.client_id,
        balance=state.balance,
        negative_since=_unix(state.negative_since),
        auto_recharge=schemas.AutoRecharge(
            enabled=state.auto_recharge,
            threshold=state.recharge_threshold,
            amount_usd=state.recharge_usd,
            paused_reason=state.paused_reason or None,
            retry_after=_unix(state.retry_after),
            card=state.card_label or None,
        ),
    )


def _entry(row: dict) -> schemas.CreditEntry:
    return schemas.CreditEntry(
        object="credit_entry",
        id=row["id"],
        client=row["client"],
        kind=row["kind"],
        credits=int(row["credits"]),
        balance_after=int(row["balance_after"]),
        description=row["description"],
        amount=int(row["amount_minor"]),
        currency=row["currency"],
        created=_unix(row["created_at"]) or 0,
    )


@get(
    "/clients/{client_id:int}/credits/ledger",
    name="api:client_ledger",
    operation_id="listClientCreditEntries",
    summary="List a client's credit ledger",
    responses={**ERRORS, **PLAN, **NOT_FOUND},
)
async def list_ledger(
    request: Request,
    caller: Caller,
    client_id: FromPath[int],
    limit: Limit = 10,
    starting_after: Annotated[
        int | None, QueryParameter(ge=1, description="An entry id: the page holds the entries before it.")
    ] = None,
) -> schemas.CreditEntryList:
    """The client's ledger entries (purchases, recharges, usage, refunds, adjustments), newest first."""
    try:
        rows, has_more = await usage.ledger_page(caller.workspace.id, client_id, limit, starting_after)
    except ValidationFailed as exc:  # the cursor names nothing: as every list of the API answers that
        raise InvalidParameter("starting_after", exc.errors["starting_after"], code="resource_missing") from None
    return schemas.CreditEntryList(
        object="list", data=[_entry(row) for row in rows], has_more=has_more, url=request.url.path
    )


credits_router = Router(
    path=PREFIX,
    route_handlers=[record_usage, get_credits, list_ledger],
    dependencies={"caller": Provide(provide_billing_caller)},
    exception_handlers={**EXCEPTION_HANDLERS, DomainError: _credits_error, HTTPException: _body_error},
    opt={"exclude_from_csrf": True},
    security=[{SECURITY_SCHEME: []}],
    tags=["ClientPulse API"],
)
