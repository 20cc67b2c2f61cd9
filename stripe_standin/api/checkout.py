"""Paying for the platform itself: products and prices, Checkout Sessions (subscription mode), Customer Portal."""

from __future__ import annotations

import secrets

from .. import checkout, checkout_payment, hosted_payment, render, render_checkout, setups
from ..wire import StripeError, as_list, check_params, not_found, parse_int
from .connect import base_url

SESSION_PARAMS = (
    "mode",
    "line_items",
    "customer",
    "customer_email",
    "success_url",
    "cancel_url",
    "client_reference_id",
    "metadata",
    "subscription_data",
    "payment_method_types",
    "allow_promotion_codes",
    "ui_mode",
    "locale",
    "payment_intent_data",
    "customer_creation",
    "setup_intent_data",
    "currency",
    "branding_settings",
)


def _required(params: dict, name: str):
    if not params.get(name):
        raise StripeError(400, f"Missing required param: {name}.", code="parameter_missing", param=name)
    return params[name]


def _line_items(ctx) -> list[dict]:
    if ctx.params.get("mode") == "payment":
        return checkout_payment.line_items(ctx.params)
    if ctx.params.get("mode") == "setup":
        return []  # nothing is sold: the session saves a card
    items = []
    for i, raw in enumerate(as_list(ctx.params.get("line_items"))):
        price_id = (raw or {}).get("price") if isinstance(raw, dict) else None
        if not price_id:
            raise StripeError(400, f"Missing required param: line_items[{i}][price].", param=f"line_items[{i}][price]")
        if ctx.acct.prices.get(price_id) is None:
            raise not_found("price", price_id, f"line_items[{i}][price]")
        items.append({"price": price_id, "quantity": parse_int(raw.get("quantity", 1), f"line_items[{i}][quantity]")})
    if not items:
        raise StripeError(400, "Missing required param: line_items.", code="parameter_missing", param="line_items")
    if len({ctx.acct.prices.get(it["price"])["currency"] for it in items}) > 1:
        raise StripeError(400, "All line items must use the same currency.", param="line_items")
    return items


def create_session(ctx) -> dict:
    check_params(ctx.params, SESSION_PARAMS)
    mode = _required(ctx.params, "mode")
    if mode not in ("subscription", "payment", "setup"):
        raise StripeError(400, f"Invalid mode: must be one of payment, setup, or subscription ({mode}).", param="mode")
    items = _line_items(ctx)
    customer, email = ctx.params.get("customer"), ctx.params.get("customer_email")
    if customer and email:
        raise StripeError(400, "You may only specify one of these parameters: customer, customer_email.")
    if customer and ctx.acct.customers.get(customer) is None:
        raise not_found("customer", customer, "customer")
    success_url = _required(ctx.params, "success_url")
    prices = [ctx.acct.prices.get(it["price"]) or it for it in items]
    total = sum(p["unit_amount"] * it["quantity"] for p, it in zip(prices, items, strict=True))
    now = ctx.store.now()
    sess_id = "cs_test_a1" + secrets.token_urlsafe(42).replace("-", "a").replace("_", "b")[:56]
    rec = {
        "id": sess_id,
        "mode": mode,
        "line_items": items,
        "customer": customer,
        "customer_email": email,
        "success_url": success_url,
        "cancel_url": ctx.params.get("cancel_url"),
        "client_reference_id": ctx.params.get("client_reference_id"),
        "metadata": dict(ctx.params.get("metadata") or {}),
        "subscription_metadata": dict((ctx.params.get("subscription_data") or {}).get("metadata") or {}),
        "created": now,
        "expires_at": now + checkout.SESSION_TTL,
        "status": "open",
        "currency": prices[0]["currency"] if prices else (ctx.params.get("currency") or None),
        "amount_subtotal": total if prices else None,
        "amount_total": total if prices else None,
        "url": f"{base_url(ctx)}/c/pay/{sess_id}",
        "account": ctx.acct.account["id"],
        "branding": checkout_payment.branding(ctx.params, hosted_payment.merchant(ctx.acct)),
    }
    if mode == "setup":
        rec.update(setups.setup_options(ctx.params))
    if mode == "payment":
        rec.update(checkout_payment.payment_options(ctx.params, ctx.platform))
        fee = rec["pi_data"]["application_fee_amount"]
        if fee is not None and not 0 <= fee <= total:
            raise StripeError(
                400,
                "payment_intent_data[application_fee_amount] must be between 0 and the session's amount_total.",
                param="payment_intent_data[application_fee_amount]",
            )
    ctx.acct.checkout_sessions[sess_id] = rec
    return ctx.out(render_checkout.checkout_session(rec))


def get_session(ctx) -> dict:
    check_params(ctx.params, ())
    rec = ctx.acct.checkout_sessions.get(ctx.path_params["id"])
    if rec is None:
        raise not_found("checkout.session", ctx.path_params["id"])
    checkout.expire_if_due(ctx.app, ctx.acct, rec)
    return ctx.out(render_checkout.checkout_session(rec))


def create_portal_session(ctx) -> dict:
    check_params(ctx.params, ("customer", "return_url", "configuration", "locale", "flow_data", "on_behalf_of"))
    customer = _required(ctx.params, "customer")
    if ctx.acct.customers.get(customer) is None:
        raise not_found("customer", customer, "customer")
    token = secrets.token_urlsafe(18)
    rec = {
        "id": "bps_1" + secrets.token_hex(12),
        "token": token,
        "account": ctx.acct.account["id"],
        "customer": customer,
        "return_url": _required(ctx.params, "return_url"),
        "created": ctx.store.now(),
        "url": f"{base_url(ctx)}/p/session/{token}",
    }
    ctx.store.portal_sessions[token] = rec
    return render_checkout.portal_session(rec)


def create_product(ctx) -> dict:
    check_params(ctx.params, ("id", "name", "description", "metadata", "active"))
    name = _required(ctx.params, "name")
    prod_id = ctx.params.get("id") or ctx.store.new_id("prod_", 14)
    if ctx.acct.products.get(prod_id):
        raise StripeError(400, f"Product already exists: {prod_id}", code="resource_already_exists", param="id")
    rec = {"id": prod_id, "name": name, "description": ctx.params.get("description"), "created": ctx.store.now()}
    ctx.store.add(ctx.acct, "products", rec)
    ctx.app.emit(ctx.acct, "product.created", "products", rec)
    return ctx.out(render.product(rec))


def create_price(ctx) -> dict:
    check_params(ctx.params, ("product", "unit_amount", "currency", "recurring", "nickname", "metadata", "active"))
    product = _required(ctx.params, "product")
    if ctx.acct.products.get(product) is None:
        raise not_found("product", product, "product")
    recurring = ctx.params.get("recurring")
    if not isinstance(recurring, dict) or recurring.get("interval") not in ("day", "week", "month", "year"):
        raise StripeError(
            400, "The stand-in serves recurring prices only: pass recurring[interval].", param="recurring"
        )
    rec = {
        "id": ctx.store.new_id("price_"),
        "product": product,
        "currency": str(_required(ctx.params, "currency")).lower(),
        "unit_amount": parse_int(_required(ctx.params, "unit_amount"), "unit_amount"),
        "interval": recurring["interval"],
        "interval_count": parse_int(recurring.get("interval_count", 1), "recurring[interval_count]"),
        "nickname": ctx.params.get("nickname"),
        "created": ctx.store.now(),
    }
    ctx.store.add(ctx.acct, "prices", rec)
    ctx.app.emit(ctx.acct, "price.created", "prices", rec)
    return ctx.out(render.price(rec))


def register(app) -> None:
    app.api("POST", "/v1/products", create_product)
    app.api("POST", "/v1/prices", create_price)
    app.api("POST", "/v1/checkout/sessions", create_session)
    app.api("GET", "/v1/checkout/sessions/{id}", get_session)
    app.api("POST", "/v1/billing_portal/sessions", create_portal_session)
