"""Products, prices, subscriptions, invoices and invoice lines."""

from __future__ import annotations

from .. import render
from ..wire import LIST_PARAMS, StripeError, check_params, list_collection, list_plain, not_found, parse_bool

SUB_STATUSES = {
    "active",
    "past_due",
    "unpaid",
    "canceled",
    "incomplete",
    "incomplete_expired",
    "trialing",
    "paused",
    "all",
    "ended",
}
INVOICE_STATUSES = {"draft", "open", "paid", "uncollectible", "void"}


def _get(coll, kind: str, obj_id: str) -> dict:
    rec = coll.get(obj_id)
    if rec is None:
        raise not_found(kind, obj_id)
    return rec


# -- products and prices -------------------------------------------------------------------
def list_products(ctx) -> dict:
    check_params(ctx.params, LIST_PARAMS + ("active",))
    return ctx.out(list_collection(ctx.acct.products, ctx.params, "/v1/products", render.product, kind="product"))


def get_product(ctx) -> dict:
    return ctx.out(render.product(_get(ctx.acct.products, "product", ctx.path_params["id"])))


def list_prices(ctx) -> dict:
    check_params(ctx.params, LIST_PARAMS + ("active", "product", "currency", "type"))
    product, currency = ctx.params.get("product"), ctx.params.get("currency")
    active = parse_bool(ctx.params["active"], "active") if "active" in ctx.params else None

    def pred(r: dict) -> bool:
        return (
            (product is None or r["product"] == product)
            and (currency is None or r["currency"] == currency)
            and (active is None or r.get("active", True) == active)
        )

    return ctx.out(list_collection(ctx.acct.prices, ctx.params, "/v1/prices", render.price, pred, kind="price"))


def get_price(ctx) -> dict:
    return ctx.out(render.price(_get(ctx.acct.prices, "price", ctx.path_params["id"])))


# -- subscriptions -------------------------------------------------------------------------
def list_subscriptions(ctx) -> dict:
    check_params(
        ctx.params,
        LIST_PARAMS
        + ("customer", "status", "price", "collection_method", "current_period_end", "current_period_start"),
    )
    status = ctx.params.get("status")
    if status is not None and status not in SUB_STATUSES:
        raise StripeError(
            400,
            f"Invalid status: must be one of {', '.join(sorted(SUB_STATUSES))}",
            code="parameter_invalid_empty" if not status else None,
            param="status",
        )
    price = ctx.params.get("price")

    def pred(r: dict) -> bool:
        st = r["status"]
        if status is None and st in ("canceled", "incomplete_expired"):
            return False  # Stripe's trap: canceled subscriptions only with status=all/canceled
        if status == "ended" and st not in ("canceled", "incomplete_expired"):
            return False
        if status not in (None, "all", "ended") and st != status:
            return False
        return price is None or any(it["price"] == price for it in r["items"])

    acct = ctx.acct
    return ctx.out(
        list_collection(
            acct.subscriptions,
            ctx.params,
            "/v1/subscriptions",
            lambda r: render.subscription(acct, r),
            pred,
            customer=ctx.params.get("customer"),
            kind="subscription",
        )
    )


def get_subscription(ctx) -> dict:
    rec = _get(ctx.acct.subscriptions, "subscription", ctx.path_params["id"])
    return ctx.out(render.subscription(ctx.acct, rec))


# -- invoices ------------------------------------------------------------------------------
def list_invoices(ctx) -> dict:
    check_params(ctx.params, LIST_PARAMS + ("customer", "status", "subscription", "collection_method", "due_date"))
    status, sub = ctx.params.get("status"), ctx.params.get("subscription")
    method = ctx.params.get("collection_method")
    if status is not None and status not in INVOICE_STATUSES:
        raise StripeError(400, f"Invalid status: must be one of {', '.join(sorted(INVOICE_STATUSES))}", param="status")

    def pred(r: dict) -> bool:
        return (
            (status is None or r["status"] == status)
            and (sub is None or r.get("subscription") == sub)
            and (method is None or r.get("collection_method") == method)
        )

    acct = ctx.acct
    return ctx.out(
        list_collection(
            acct.invoices,
            ctx.params,
            "/v1/invoices",
            lambda r: render.invoice(acct, r),
            pred,
            customer=ctx.params.get("customer"),
            kind="invoice",
        )
    )


def get_invoice(ctx) -> dict:
    rec = _get(ctx.acct.invoices, "invoice", ctx.path_params["id"])
    return ctx.out(render.invoice(ctx.acct, rec))


def list_invoice_lines(ctx) -> dict:
    check_params(ctx.params, ("limit", "starting_after", "ending_before"))
    rec = _get(ctx.acct.invoices, "invoice", ctx.path_params["id"])
    return ctx.out(list_plain(render.invoice_lines(rec), ctx.params, f"/v1/invoices/{rec['id']}/lines"))


def register(app) -> None:
    app.api("GET", "/v1/products", list_products)
    app.api("GET", "/v1/products/{id}", get_product)
    app.api("GET", "/v1/prices", list_prices)
    app.api("GET", "/v1/prices/{id}", get_price)
    app.api("GET", "/v1/subscriptions", list_subscriptions)
    app.api("GET", "/v1/subscriptions/{id}", get_subscription)
    app.api("GET", "/v1/invoices", list_invoices)
    app.api("GET", "/v1/invoices/{id}", get_invoice)
    app.api("GET", "/v1/invoices/{id}/lines", list_invoice_lines)
