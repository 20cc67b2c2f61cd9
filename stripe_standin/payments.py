"""One-off payments on a connected account: PaymentIntents, saved cards, direct charges with an application fee.

Stripe's test cards decide what happens (``CARDS``): 4242 succeeds; 9995 declines (``insufficient_funds``);
3155 asks for authentication, on-session through a challenge and off-session as an ``authentication_required``
decline (the stand-in keeps asking even once the card is saved, so that path can be exercised); 0341 attaches
to the customer but every charge on it is declined (``card_declined``).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from . import checkout
from .render_payments import application_fee, payment_intent, payment_method
from .store import PLATFORM_ACCOUNT_ID, AccountData, Index

if TYPE_CHECKING:
    from .server import StandinApp

AUTH_CARD = "4000002500003155"
ATTACH_THEN_DECLINE = "4000000000000341"
AUTH_REQUIRED = (
    "authentication_required",
    "authentication_required",
    "Your card was declined. This transaction requires authentication.",
)
AUTH_FAILED = (
    "payment_intent_authentication_failure",
    None,
    "We are unable to authenticate your payment method. Please choose a different payment method and try again.",
)
GENERIC_DECLINE = ("card_declined", "generic_decline", "Your card was declined.")


# Stripe's test PaymentMethods: ids an integration passes instead of a card number (a new PaymentMethod each time).
TEST_PAYMENT_METHODS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_authenticationRequired": AUTH_CARD,
    "pm_card_authenticationRequiredOnSetup": AUTH_CARD,
    "pm_card_chargeCustomerFail": ATTACH_THEN_DECLINE,
}


class PaymentFailed(Exception):
    """A confirmation that failed: the PaymentIntent is back to ``requires_payment_method``."""

    def __init__(self, pi: dict, error: dict) -> None:
        super().__init__(error["message"])
        self.pi, self.error = pi, error


def card_digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def check_new_card(number: str) -> None:
    """Raise ``checkout.CardDeclined`` for a number the card form refuses before any payment is tried.

    Stripe's test cards pass here, declining ones too: what they do happens when they are charged.
    """
    digits = card_digits(number)
    if digits not in (AUTH_CARD, ATTACH_THEN_DECLINE) and digits not in checkout.DECLINED_CARDS:
        checkout.check_card(number)


def create_payment_method(app: StandinApp, acct: AccountData, number: str, name: str | None, email: str | None):
    digits = card_digits(number)
    rec = {
        "id": app.store.new_id("pm_"),
        "created": app.store.now(),
        "customer": None,
        "number": digits,
        "last4": digits[-4:],
        "brand": "mastercard" if digits.startswith("5") else "visa",
        "fingerprint": secrets.token_hex(8),
        "name": name or None,
        "email": email or None,
        "metadata": {},
    }
    return app.store.add(acct, "payment_methods", rec)


def payment_method_for(app: StandinApp, acct: AccountData, pm_id: str) -> dict | None:
    """The account's PaymentMethod ``pm_id``, or a new one for a Stripe test id such as ``pm_card_visa``."""
    if pm_id in TEST_PAYMENT_METHODS:
        return create_payment_method(app, acct, TEST_PAYMENT_METHODS[pm_id], None, None)
    return acct.payment_methods.get(pm_id)


def detach(app: StandinApp, acct: AccountData, pm: dict) -> None:
    acct.payment_methods.by_customer[pm["customer"]].remove(pm)
    pm["customer"] = None
    app.emit(acct, "payment_method.detached", None, None, obj=payment_method(pm))


def attach(app: StandinApp, acct: AccountData, pm: dict, customer: str) -> None:
    if pm["customer"] == customer:
        return
    pm["customer"] = customer
    acct.payment_methods.by_customer.setdefault(customer, Index()).add(pm)
    app.emit(acct, "payment_method.attached", None, None, obj=payment_method(pm))


def new_payment_intent(app: StandinApp, acct: AccountData, **fields) -> dict:
    store = app.store
    pi_id = store.new_id("pi_")
    rec = {
        "id": pi_id,
        "created": store.now(),
        "client_secret": f"{pi_id}_secret_{secrets.token_urlsafe(18)}",
        "status": "requires_payment_method",
        "amount_received": 0,
        "latest_charge": None,
        "last_payment_error": None,
        "next_action": None,
        "payment_method": None,
        "canceled_at": None,
        "customer": None,
        "description": None,
        "application_fee_amount": None,
        "setup_future_usage": None,
        "metadata": {},
        **fields,
    }
    store.add(acct, "payment_intents", rec)
    app.emit(acct, "payment_intent.created", None, None, obj=payment_intent(rec))
    return rec


def confirm(
    app: StandinApp, acct: AccountData, pi: dict, pm: dict, off_session: bool, redirect: dict | None = None
) -> dict:
    """Try to pay ``pi`` with ``pm``: succeeded, requires_action (on-session 3155), or ``PaymentFailed``.

    ``redirect`` (``url``, ``return_url``) makes the authentication a ``redirect_to_url`` next action.
    """
    pi["payment_method"] = pm["id"]
    if pm["number"] == ATTACH_THEN_DECLINE:
        if pi.get("setup_future_usage") and pi.get("customer"):
            attach(app, acct, pm, pi["customer"])  # the card is saved even though this payment is declined
        fail(app, acct, pi, pm, GENERIC_DECLINE, with_charge=True)
    if pm["number"] == AUTH_CARD:
        if off_session:
            fail(app, acct, pi, pm, AUTH_REQUIRED, with_charge=False)
        return require_action(app, acct, pi, redirect)  # the challenge's outcome comes through ``authenticate``
    if pm["number"] in checkout.DECLINED_CARDS:
        fail(app, acct, pi, pm, checkout.DECLINED_CARDS[pm["number"]], with_charge=True)
    return succeed(app, acct, pi, pm)


def require_action(app: StandinApp, acct: AccountData, pi: dict, redirect: dict | None = None) -> dict:
    if redirect:
        action = {"type": "redirect_to_url", "redirect_to_url": dict(redirect)}
    else:
        action = {
            "type": "use_stripe_sdk",
            "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": "", "source": "src_standin"},
        }
    pi.update(status="requires_action", next_action=action)
    app.emit(acct, "payment_intent.requires_action", None, None, obj=payment_intent(pi))
    return pi


def authenticate(app: StandinApp, acct: AccountData, pi: dict, passed: bool) -> dict:
    """The customer completed (or failed) the 3D Secure challenge of a ``requires_action`` PaymentIntent."""
    pm = acct.payment_methods.get(pi["payment_method"])
    pi["next_action"] = None
    if not passed:
        fail(app, acct, pi, pm, AUTH_FAILED, with_charge=False)
    return succeed(app, acct, pi, pm)


def _charge(app: StandinApp, acct: AccountData, pi: dict, pm: dict, status: str, **extra) -> dict:
    store = app.store
    return store.add(
        acct,
        "charges",
        {
            "id": store.new_id("ch_"),
            "created": store.now(),
            "amount": pi["amount"],
            "currency": pi["currency"],
            "customer": pi.get("customer"),
            "description": pi.get("description"),
            "status": status,
            "brand": pm["brand"],
            "last4": pm["last4"],
            "email": pm.get("email"),
            "name": pm.get("name"),
            "refunds": [],
            "amount_refunded": 0,
            "payment_intent": pi["id"],
            "payment_method": pm["id"],
            "metadata": dict(pi.get("metadata") or {}),
            **extra,
        },
    )


def fail(app: StandinApp, acct: AccountData, pi: dict, pm: dict, reason: tuple, with_charge: bool) -> None:
    code, decline_code, message = reason
    error = {"type": "card_error", "code": code, "message": message}
    if decline_code:
        error["decline_code"] = decline_code
    error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
    if with_charge:
        charge = _charge(
            app, acct, pi, pm, "failed", failure_code=code, failure_message=message, decline_reason=decline_code
        )
        error["charge"] = charge["id"]
        pi["latest_charge"] = charge["id"]
        app.emit(acct, "charge.failed", "charges", charge)
    error["payment_method"] = payment_method(pm)
    pi.update(status="requires_payment_method", last_payment_error=error, next_action=None)
    app.emit(acct, "payment_intent.payment_failed", None, None, obj=payment_intent(pi))
    raise PaymentFailed(pi, error)


def succeed(app: StandinApp, acct: AccountData, pi: dict, pm: dict) -> dict:
    store = app.store
    fee_amount = pi.get("application_fee_amount")
    charge = _charge(app, acct, pi, pm, "succeeded", application_fee_amount=fee_amount, application=store.client_id)
    if fee_amount:
        fee = store.add(
            store.accounts[PLATFORM_ACCOUNT_ID],
            "application_fees",
            {
                "id": store.new_id("fee_"),
                "created": store.now(),
                "account": acct.account["id"],
                "application": store.client_id,
                "amount": fee_amount,
                "amount_refunded": 0,
                "currency": pi["currency"],
                "charge": charge["id"],
                "refunds": [],
            },
        )
        charge["application_fee"] = fee["id"]
    if pi.get("setup_future_usage") and pi.get("customer"):
        attach(app, acct, pm, pi["customer"])
    pi.update(status="succeeded", amount_received=pi["amount"], latest_charge=charge["id"], last_payment_error=None)
    app.emit(acct, "charge.succeeded", "charges", charge)
    app.emit(acct, "payment_intent.succeeded", None, None, obj=payment_intent(pi))
    if fee_amount:
        platform = store.accounts[PLATFORM_ACCOUNT_ID]
        app.emit(platform, "application_fee.created", None, None, obj=application_fee(fee))
    return pi


def refund(app: StandinApp, acct: AccountData, charge: dict, amount: int, params: dict) -> dict:
    """Refund ``amount`` of ``charge``; with ``refund_application_fee`` the platform gives back its share."""
    store = app.store
    rec = store.add(
        acct,
        "refunds",
        {
            "id": store.new_id("re_"),
            "charge": charge["id"],
            "payment_intent": charge.get("payment_intent"),
            "amount": amount,
            "currency": charge["currency"],
            "created": store.now(),
            "customer": charge.get("customer"),
            "reason": params.get("reason"),
            "metadata": dict(params.get("metadata") or {}),
            "status": "succeeded",  # until `actions.fail_refund` says the card would not take it
            "failure_reason": None,
        },
    )
    previous = {"amount_refunded": charge["amount_refunded"], "refunded": False}
    charge["refunds"].append(rec["id"])
    charge["amount_refunded"] += amount
    platform = store.accounts[PLATFORM_ACCOUNT_ID]
    fee = platform.application_fees.get(charge.get("application_fee") or "")
    if fee is not None and str(params.get("refund_application_fee")).lower() == "true":
        _refund_fee(app, platform, fee, fee["amount"] * amount // charge["amount"])
    app.emit(acct, "charge.refunded", "charges", charge, previous)
    from .render import refund as render_refund

    app.emit(acct, "refund.created", None, None, obj=render_refund(rec))
    return rec


def _refund_fee(app: StandinApp, platform: AccountData, fee: dict, amount: int) -> None:
    amount = min(amount, fee["amount"] - fee["amount_refunded"])
    if amount <= 0:
        return
    fee["refunds"].append(
        {"id": app.store.new_id("fr_"), "amount": amount, "created": app.store.now(), "fee": fee["id"]}
    )
    fee["amount_refunded"] += amount
    app.emit(platform, "application_fee.refunded", None, None, obj=application_fee(fee))
