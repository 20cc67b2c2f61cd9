"""PaymentIntents and saved cards on a connected account, refunds, and the platform's application fees."""

from __future__ import annotations

import secrets

from .. import payments, render
from ..render_payments import application_fee, payment_intent, payment_method, setup_intent
from ..wire import LIST_PARAMS, StripeError, check_params, list_collection, not_found, parse_int
from .connect import base_url

PI_PARAMS = (
    "amount",
    "currency",
    "customer",
    "payment_method",
    "off_session",
    "confirm",
    "application_fee_amount",
    "metadata",
    "description",
    "setup_future_usage",
    "payment_method_types",
    "return_url",
    "error_on_requires_action",
)


def _true(value) -> bool:
    return str(value).lower() == "true"


def _required(params: dict, name: str):
    if params.get(name) in (None, ""):
        raise StripeError(400, f"Missing required param: {name}.", code="parameter_missing", param=name)
    return params[name]


def card_error(failed: payments.PaymentFailed) -> StripeError:
    """Stripe answers a failed confirmation with 402 and the PaymentIntent inside the error."""
    extra = {k: v for k, v in failed.error.items() if k not in ("type", "code", "message", "doc_url")}
    extra["payment_intent"] = payment_intent(failed.pi)
    return StripeError(402, failed.error["message"], type="card_error", code=failed.error["code"], extra=extra)


def create_payment_intent(ctx) -> dict:
    params = ctx.params
    check_params(params, PI_PARAMS)
    amount = parse_int(_required(params, "amount"), "amount")
    fee = params.get("application_fee_amount")
    if fee is not None and ctx.platform:
        raise StripeError(
            400,
            "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment "
            "(using an OAuth key or Stripe-Account header) or destination payment "
            "(using `transfer_data[destination]`).",
            param="application_fee_amount",
        )
    if fee is not None and not 0 <= parse_int(fee, "application_fee_amount") <= amount:
        raise StripeError(
            400,
            "application_fee_amount must be between 0 and the PaymentIntent's amount.",
            param="application_fee_amount",
        )
    customer = params.get("customer")
    if customer and ctx.acct.customers.get(customer) is None:
        raise not_found("customer", customer, "customer")
    pm = None
    if params.get("payment_method"):
        pm = payments.payment_method_for(ctx.app, ctx.acct, params["payment_method"])
        if pm is None:
            raise not_found("payment_method", params["payment_method"], "payment_method")
        if pm["customer"] and pm["customer"] != customer:
            raise StripeError(
                400,
                f"The provided PaymentMethod belongs to a different Customer ({pm['customer']}).",
                param="payment_method",
            )
    off_session = _true(params.get("off_session"))
    if off_session and not _true(params.get("confirm")):
        raise StripeError(400, "off_session can only be used with confirm=true.", param="off_session")
    pi = payments.new_payment_intent(
        ctx.app,
        ctx.acct,
        amount=amount,
        currency=str(_required(params, "currency")).lower(),
        customer=customer,
        application=None if ctx.platform else ctx.store.client_id,
        application_fee_amount=parse_int(fee, "application_fee_amount") if fee is not None else None,
        metadata=dict(params.get("metadata") or {}),
        description=params.get("description"),
        setup_future_usage=params.get("setup_future_usage") or None,
    )
    if pm is not None:
        pi["payment_method"] = pm["id"]
    if _true(params.get("confirm")):
        _confirm(ctx, pi, pm, off_session)
    return ctx.out(payment_intent(pi))


def _confirm(ctx, pi: dict, pm: dict | None, off_session: bool) -> None:
    """Confirm ``pi``; on-session with a ``return_url``, authentication is a redirect to the stand-in's 3DS page."""
    if pm is None:
        raise StripeError(
            400, "You cannot confirm this PaymentIntent because it's missing a payment method.", param="confirm"
        )
    redirect = None
    if ctx.params.get("return_url") and not off_session:
        path = f"/3ds/{ctx.acct.account['id']}/{pi['id']}/{secrets.token_urlsafe(12)}"
        redirect = {"url": base_url(ctx) + path, "return_url": ctx.params["return_url"]}
    try:
        payments.confirm(ctx.app, ctx.acct, pi, pm, off_session, redirect)
    except payments.PaymentFailed as failed:
        raise card_error(failed) from None


def confirm_payment_intent(ctx) -> dict:
    """Confirm again, e.g. on-session after an off-session ``authentication_required`` decline."""
    check_params(ctx.params, ("payment_method", "off_session", "return_url", "setup_future_usage"))
    pi = ctx.acct.payment_intents.get(ctx.path_params["id"])
    if pi is None:
        raise not_found("payment_intent", ctx.path_params["id"])
    if pi["status"] not in ("requires_payment_method", "requires_confirmation", "requires_action"):
        raise StripeError(
            400,
            f"This PaymentIntent's status is {pi['status']}, so it cannot be confirmed.",
            code="payment_intent_unexpected_state",
        )
    pm_id = ctx.params.get("payment_method") or pi.get("payment_method")
    pm = ctx.acct.payment_methods.get(pm_id or "")
    if pm_id and pm is None:
        raise not_found("payment_method", pm_id, "payment_method")
    _confirm(ctx, pi, pm, _true(ctx.params.get("off_session")))
    return ctx.out(payment_intent(pi))


def get_payment_intent(ctx) -> dict:
    rec = ctx.acct.payment_intents.get(ctx.path_params["id"])
    if rec is None:
        raise not_found("payment_intent", ctx.path_params["id"])
    return ctx.out(payment_intent(rec))


def list_payment_intents(ctx) -> dict:
    check_params(ctx.params, LIST_PARAMS + ("customer",))
    coll = ctx.acct.payment_intents
    return ctx.out(
        list_collection(
            coll, ctx.params, "/v1/payment_intents", payment_intent, customer=ctx.params.get("customer"), kind="pi"
        )
    )


def get_setup_intent(ctx) -> dict:
    rec = ctx.acct.setup_intents.get(ctx.path_params["id"])
    if rec is None:
        raise not_found("setup_intent", ctx.path_params["id"])
    return ctx.out(setup_intent(rec))


def get_payment_method(ctx) -> dict:
    rec = ctx.acct.payment_methods.get(ctx.path_params["id"])
    if rec is None:
        raise not_found("payment_method", ctx.path_params["id"])
    return ctx.out(payment_method(rec))


def attach_payment_method(ctx) -> dict:
    """Save a card to a customer; Stripe's test ids (``pm_card_chargeDeclinedInsufficientFunds``) save a new one."""
    check_params(ctx.params, ("customer",))
    customer = _required(ctx.params, "customer")
    if ctx.acct.customers.get(customer) is None:
        raise not_found("customer", customer, "customer")
    pm = payments.payment_method_for(ctx.app, ctx.acct, ctx.path_params["id"])
    if pm is None:
        raise not_found("payment_method", ctx.path_params["id"])
    if pm["customer"] and pm["customer"] != customer:
        raise StripeError(
            400, "The payment method you provided has already been attached to a customer.", param="customer"
        )
    payments.attach(ctx.app, ctx.acct, pm, customer)
    return ctx.out(payment_method(pm))


def detach_payment_method(ctx) -> dict:
    pm = ctx.acct.payment_methods.get(ctx.path_params["id"])
    if pm is None:
        raise not_found("payment_method", ctx.path_params["id"])
    if not pm["customer"]:
        raise StripeError(
            400, "The payment method you provided is not attached to a customer so detachment is impossible."
        )
    payments.detach(ctx.app, ctx.acct, pm)
    return ctx.out(payment_method(pm))


def list_customer_payment_methods(ctx) -> dict:
    check_params(ctx.params, LIST_PARAMS + ("type",))
    customer = ctx.path_params["id"]
    if ctx.acct.customers.get(customer) is None:
        raise not_found("customer", customer)
    url = f"/v1/customers/{customer}/payment_methods"
    return ctx.out(list_collection(ctx.acct.payment_methods, ctx.params, url, payment_method, customer=customer))


def list_application_fees(ctx) -> dict:
    check_params(ctx.params, LIST_PARAMS + ("charge",))
    charge = ctx.params.get("charge")
    pred = (lambda r: r["charge"] == charge) if charge else None
    fees = ctx.acct.application_fees
    return ctx.out(list_collection(fees, ctx.params, "/v1/application_fees", application_fee, pred, kind="fee"))


def get_application_fee(ctx) -> dict:
    rec = ctx.acct.application_fees.get(ctx.path_params["id"])
    if rec is None:
        raise not_found("application_fee", ctx.path_params["id"])
    return ctx.out(application_fee(rec))


def _charge_to_refund(ctx) -> dict:
    charge_id, pi_id = ctx.params.get("charge"), ctx.params.get("payment_intent")
    if bool(charge_id) == bool(pi_id):
        raise StripeError(400, "You must pass exactly one of charge or payment_intent.", param="charge")
    if pi_id:
        pi = ctx.acct.payment_intents.get(pi_id)
        if pi is None:
            raise not_found("payment_intent", pi_id, "payment_intent")
        if pi["status"] != "succeeded":
            raise StripeError(
                400,
                f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
                param="payment_intent",
            )
        charge_id = pi["latest_charge"]
    charge = ctx.acct.charges.get(charge_id)
    if charge is None:
        raise not_found("charge", charge_id, "charge")
    return charge


def create_refund(ctx) -> dict:
    check_params(ctx.params, ("charge", "payment_intent", "amount", "refund_application_fee", "reason", "metadata"))
    charge = _charge_to_refund(ctx)
    left = charge["amount"] - charge["amount_refunded"]
    if left <= 0:
        raise StripeError(400, f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
    amount = parse_int(ctx.params.get("amount", left), "amount")
    if amount <= 0 or amount > left:
        raise StripeError(
            400,
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
            code="amount_too_large",
            param="amount",
        )
    rec = payments.refund(ctx.app, ctx.acct, charge, amount, ctx.params)
    return ctx.out(render.refund(rec))


def register(app) -> None:
    app.api("POST", "/v1/payment_intents", create_payment_intent)
    app.api("GET", "/v1/payment_intents", list_payment_intents)
    app.api("GET", "/v1/payment_intents/{id}", get_payment_intent)
    app.api("POST", "/v1/payment_intents/{id}/confirm", confirm_payment_intent)
    app.api("GET", "/v1/payment_methods/{id}", get_payment_method)
    app.api("GET", "/v1/setup_intents/{id}", get_setup_intent)
    app.api("GET", "/v1/customers/{id}/payment_methods", list_customer_payment_methods)
    app.api("POST", "/v1/payment_methods/{id}/attach", attach_payment_method)
    app.api("POST", "/v1/payment_methods/{id}/detach", detach_payment_method)
    app.api("GET", "/v1/application_fees", list_application_fees)
    app.api("GET", "/v1/application_fees/{id}", get_application_fee)
    app.api("POST", "/v1/refunds", create_refund)
