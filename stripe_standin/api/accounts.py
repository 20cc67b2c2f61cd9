"""GET /v1/account and GET /v1/accounts/{id}."""

from __future__ import annotations

from .. import connect, render
from ..wire import check_params, not_found


def get_current(ctx) -> dict:
    check_params(ctx.params, ())
    connect.pass_deadlines(ctx.app)
    return ctx.out(render.account(ctx.acct.account))


def get_account(ctx) -> dict:
    check_params(ctx.params, ())
    acct_id = ctx.path_params["id"]
    connect.pass_deadlines(ctx.app)  # Stripe moves due requirements to past_due when the deadline passes
    if acct_id != ctx.acct.account["id"] and not (ctx.platform and acct_id in ctx.store.linked):
        raise not_found("account", acct_id)
    acct = ctx.store.account(acct_id)
    if acct is None:
        raise not_found("account", acct_id)
    return ctx.out(render.account(acct.account))


def register(app) -> None:
    app.api("GET", "/v1/account", get_current)
    app.api("GET", "/v1/accounts/{id}", get_account)
