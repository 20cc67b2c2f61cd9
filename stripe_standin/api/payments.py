"""Charges and refunds."""

from __future__ import annotations

from .. import render
from ..wire import LIST_PARAMS, check_params, list_collection, not_found


def list_charges(ctx) -> dict:
    check_params(ctx.params, LIST_PARAMS + ("customer", "payment_intent", "transfer_group"))
    acct = ctx.acct
    pi = ctx.params.get("payment_intent")
    return ctx.out(
        list_collection(
            acct.charges,
            ctx.params,
            "/v1/charges",
            lambda r: render.charge(acct, r),
            (lambda r: r.get("payment_intent") == pi) if pi else None,
            customer=ctx.params.get("customer"),
            kind="charge",
        )
    )


def get_charge(ctx) -> dict:
    rec = ctx.acct.charges.get(ctx.path_params["id"])
    if rec is None:
        raise not_found("charge", ctx.path_params["id"])
    return ctx.out(render.charge(ctx.acct, rec))


def list_refunds(ctx) -> dict:
    check_params(ctx.params, LIST_PARAMS + ("charge", "payment_intent"))
    wanted = {k: ctx.params[k] for k in ("charge", "payment_intent") if ctx.params.get(k)}

    def pred(rec: dict) -> bool:
        return all(rec.get(k) == v for k, v in wanted.items())

    return ctx.out(
        list_collection(
            ctx.acct.refunds, ctx.params, "/v1/refunds", render.refund, pred if wanted else None, kind="refund"
        )
    )


def get_refund(ctx) -> dict:
    rec = ctx.acct.refunds.get(ctx.path_params["id"])
    if rec is None:
        raise not_found("refund", ctx.path_params["id"])
    return ctx.out(render.refund(rec))


def register(app) -> None:
    app.api("GET", "/v1/charges", list_charges)
    app.api("GET", "/v1/charges/{id}", get_charge)
    app.api("GET", "/v1/refunds", list_refunds)
    app.api("GET", "/v1/refunds/{id}", get_refund)
