"""Charges and refunds."""

from __future__ import annotations

from .. import render
from ..wire import LIST_PARAMS, check_params, list_collection, not_found


def list_charges(ctx) -> dict:
    check_params(ctx.params, LIST_PARAMS + ("customer", "payment_intent", "transfer_group"))
    acct = ctx.acct
    return ctx.out(
        list_collection(
            acct.charges,
            ctx.params,
            "/v1/charges",
            lambda r: render.charge(acct, r),
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
    charge = ctx.params.get("charge")
    pred = (lambda r: r["charge"] == charge) if charge else None
    return ctx.out(list_collection(ctx.acct.refunds, ctx.params, "/v1/refunds", render.refund, pred, kind="refund"))


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
