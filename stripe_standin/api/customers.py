"""Customers: list/retrieve, plus create/update (so idempotency and writes can be exercised)."""

from __future__ import annotations

import string

from .. import render
from ..wire import LIST_PARAMS, StripeError, check_params, list_collection, not_found


def list_customers(ctx) -> dict:
    check_params(ctx.params, LIST_PARAMS + ("email",))
    email = ctx.params.get("email")
    pred = (lambda r: (r.get("email") or "").lower() == email.lower()) if email else None
    acct = ctx.acct
    return ctx.out(
        list_collection(
            acct.customers, ctx.params, "/v1/customers", lambda r: render.customer(acct, r), pred, kind="customer"
        )
    )


def get_customer(ctx) -> dict:
    rec = ctx.acct.customers.get(ctx.path_params["id"])
    if rec is None:
        raise not_found("customer", ctx.path_params["id"])
    return ctx.out(render.customer(ctx.acct, rec))


_WRITABLE = ("email", "name", "description", "phone", "metadata")


def create_customer(ctx) -> dict:
    check_params(ctx.params, _WRITABLE)
    store = ctx.store
    rec = {
        "id": store.new_id("cus_", 14),
        "created": store.now(),
        "currency": None,
        "country": ctx.acct.account["country"],
        "invoice_prefix": "".join(store.rng.choices(string.ascii_uppercase + string.digits, k=8)),
    }
    rec.update({k: ctx.params[k] for k in _WRITABLE if k in ctx.params})
    store.add(ctx.acct, "customers", rec)
    ctx.app.emit(ctx.acct, "customer.created", "customers", rec)
    return ctx.out(render.customer(ctx.acct, rec))


def update_customer(ctx) -> dict:
    check_params(ctx.params, _WRITABLE)
    rec = ctx.acct.customers.get(ctx.path_params["id"])
    if rec is None:
        raise not_found("customer", ctx.path_params["id"])
    previous = {k: rec.get(k) for k in _WRITABLE if k in ctx.params}
    if "metadata" in ctx.params and not isinstance(ctx.params["metadata"], (dict, str)):
        raise StripeError(400, "Invalid hash", param="metadata")
    rec.update({k: ctx.params[k] for k in _WRITABLE if k in ctx.params})
    ctx.app.emit(ctx.acct, "customer.updated", "customers", rec, previous)
    return ctx.out(render.customer(ctx.acct, rec))


def register(app) -> None:
    app.api("GET", "/v1/customers", list_customers)
    app.api("POST", "/v1/customers", create_customer)
    app.api("GET", "/v1/customers/{id}", get_customer)
    app.api("POST", "/v1/customers/{id}", update_customer)
