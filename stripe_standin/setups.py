"""Checkout in setup mode: a card saved to a customer for later, through a SetupIntent, with nothing charged.

A setup checks the card without charging it, so 9995 (insufficient funds) and 0341 are saved and only decline when
charged; 3155 asks for authentication first; other decline cards fail the setup.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from . import checkout, checkout_payment, payments
from .render_payments import setup_intent
from .store import AccountData
from .wire import StripeError

if TYPE_CHECKING:
    from .server import StandinApp

SAVED_THOUGH_DECLINING = {"4000000000009995", payments.ATTACH_THEN_DECLINE}


def setup_options(params: dict) -> dict:
    if params.get("line_items"):
        raise StripeError(400, "line_items cannot be used in setup mode.", param="line_items")
    data = params.get("setup_intent_data") or {}
    return {
        "customer_creation": None,
        "si_data": {"metadata": dict(data.get("metadata") or {}), "description": data.get("description")},
        "setup_intent": None,
    }


def _new(app: StandinApp, acct: AccountData, sess: dict, customer: str) -> dict:
    store = app.store
    si_id = store.new_id("seti_")
    rec = {
        "id": si_id,
        "created": store.now(),
        "client_secret": f"{si_id}_secret_{secrets.token_urlsafe(18)}",
        "status": "requires_payment_method",
        "customer": customer,
        "payment_method": None,
        "last_setup_error": None,
        "next_action": None,
        "metadata": dict(sess["si_data"]["metadata"]),
        "description": sess["si_data"]["description"],
    }
    store.add(acct, "setup_intents", rec)
    app.emit(acct, "setup_intent.created", None, None, obj=setup_intent(rec))
    return rec


def attempt(app: StandinApp, acct: AccountData, sess: dict, email: str, name: str | None, number: str) -> dict:
    """Save the card: the SetupIntent, succeeded or ``requires_action`` (3155); or ``payments.PaymentFailed``."""
    sess.update(customer_details_email=email, customer_details_name=name or None)
    if not sess.get("customer"):
        sess["customer"] = checkout._customer(app, acct, sess, email, name)["id"]
    si = acct.setup_intents.get(sess.get("setup_intent") or "") or _new(app, acct, sess, sess["customer"])
    sess["setup_intent"] = si["id"]
    pm = payments.create_payment_method(app, acct, number, name, email)
    si["payment_method"] = pm["id"]
    if pm["number"] == payments.AUTH_CARD:
        si.update(
            status="requires_action",
            next_action={"type": "use_stripe_sdk", "use_stripe_sdk": {"type": "three_d_secure_redirect"}},
        )
        app.emit(acct, "setup_intent.requires_action", None, None, obj=setup_intent(si))
        return si
    if pm["number"] in checkout.DECLINED_CARDS and pm["number"] not in SAVED_THOUGH_DECLINING:
        _fail(app, acct, si, pm, checkout.DECLINED_CARDS[pm["number"]])
    return _succeed(app, acct, sess, si, pm)


def authenticate(app: StandinApp, acct: AccountData, sess: dict, passed: bool) -> dict:
    si = acct.setup_intents.get(sess["setup_intent"])
    pm = acct.payment_methods.get(si["payment_method"])
    si["next_action"] = None
    if not passed:
        _fail(app, acct, si, pm, payments.AUTH_FAILED)
    return _succeed(app, acct, sess, si, pm)


def _succeed(app: StandinApp, acct: AccountData, sess: dict, si: dict, pm: dict) -> dict:
    payments.attach(app, acct, pm, si["customer"])
    si.update(status="succeeded", last_setup_error=None, next_action=None)
    app.emit(acct, "setup_intent.succeeded", None, None, obj=setup_intent(si))
    checkout_payment.complete(app, acct, sess)
    return si


def _fail(app: StandinApp, acct: AccountData, si: dict, pm: dict, reason: tuple) -> None:
    code, decline_code, message = reason
    error = {"type": "card_error", "code": code, "message": message}
    if decline_code:
        error["decline_code"] = decline_code
    si.update(status="requires_payment_method", last_setup_error=error, next_action=None)
    app.emit(acct, "setup_intent.setup_failed", None, None, obj=setup_intent(si))
    raise payments.PaymentFailed(si, error)
