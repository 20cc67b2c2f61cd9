"""Control actions for Connect Express accounts, payouts and the platform's own subscriptions.

Each changes state the way it happens at Stripe and sends the same events (``account.updated``, ``payout.*``,
``customer.subscription.*``); each returns the last event it sent.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import stripe

from . import checkout, connect, payouts
from .actions import ActionError
from .store import PLATFORM_ACCOUNT_ID, AccountData

DAY = 86400
DISABLED_REASONS = set(
    typing.get_args(typing.get_args(stripe.Account.Requirements.__annotations__["disabled_reason"])[0])
)


def _express(app, params: dict) -> AccountData:
    acct = app.store.account(params.get("account") or "")
    if not connect.is_express(acct):
        raise ActionError(f"{params.get('account')!r} is not an Express account created by the platform")
    return acct


def _fields(params: dict, name: str, default: list[str]) -> list[str]:
    value = params.get(name) or default
    return [value] if isinstance(value, str) else list(value)


def onboard(app, params) -> dict:
    """What the hosted onboarding page does: ``outcome`` finish, later (half done) or review."""
    outcome = params.get("outcome", "finish")
    if outcome not in ("finish", "later", "review"):
        raise ActionError("outcome is finish, later or review")
    return {"finish": connect.finish, "later": connect.leave_half_done, "review": connect.submit_for_review}[outcome](
        app, _express(app, params)
    )


def restrict_account(app, params) -> dict:
    """Stripe needs ``currently_due`` by ``deadline`` (unix) or in ``deadline_days`` (default 7)."""
    acct = _express(app, params)
    deadline = params.get("deadline")
    deadline = int(deadline) if deadline else app.store.now() + int(params.get("deadline_days", 7)) * DAY
    return connect.restrict(app, acct, _fields(params, "currently_due", ["individual.id_number"]), deadline)


def pass_deadlines(app, params) -> dict:
    """Apply every passed ``current_deadline`` now (also done when the clock moves or an account is read)."""
    return {"events": [e["id"] for e in connect.pass_deadlines(app)]}


def disable_payouts(app, params) -> dict:
    acct = _express(app, params)
    reason = params.get("reason", "requirements.past_due")
    if reason not in DISABLED_REASONS:
        raise ActionError(f"reason must be one of {sorted(DISABLED_REASONS)}")
    default = ["external_account"] if reason == "requirements.past_due" else []
    return connect.disable_payouts(app, acct, reason, _fields(params, "currently_due", default))


def review_account(app, params) -> dict:
    acct = _express(app, params)
    return connect.submit_for_review(app, acct, fields=_fields(params, "pending_verification", connect.UNDER_REVIEW))


def verify_account(app, params) -> dict:
    return connect.verify(app, _express(app, params))


def set_balance(app, params) -> dict:
    acct = _express(app, params)
    funds = payouts.funds(acct, (params.get("currency") or acct.account["currency"]).lower())
    funds.update(available=int(params.get("available", 0)), pending=int(params.get("pending", 0)))
    return {"balance": dict(acct.balance)}


def create_payout(app, params) -> dict:
    acct = _express(app, params)
    try:
        _, evt = payouts.create(
            app, acct, int(params.get("amount", 10000)), params.get("currency"), params.get("status", "pending")
        )
    except ValueError as exc:
        raise ActionError(str(exc)) from None
    return evt


def _payout(acct: AccountData, params: dict) -> dict:
    rec = acct.payouts.get(params.get("payout") or "")
    if rec is None:
        raise ActionError(f"no such payout {params.get('payout')!r} in {acct.account['id']}")
    return rec


def pay_payout(app, params) -> dict:
    acct = _express(app, params)
    try:
        return payouts.pay(app, acct, _payout(acct, params))
    except ValueError as exc:
        raise ActionError(str(exc)) from None


def fail_payout(app, params) -> dict:
    acct = _express(app, params)
    try:
        return payouts.fail(app, acct, _payout(acct, params), params.get("failure_code", "account_closed"))
    except ValueError as exc:
        raise ActionError(str(exc)) from None


def _platform(app, params: dict) -> AccountData:
    acct = app.store.account(params.get("account") or PLATFORM_ACCOUNT_ID)
    if acct is None:
        raise ActionError(f"unknown account {params.get('account')!r}")
    return acct


def fail_subscription_renewal(app, params) -> dict:
    """First call: the renewal's payment fails (``past_due``). Second call: retries run out (``canceled``)."""
    acct = _platform(app, params)
    sub = acct.subscriptions.get(params.get("subscription") or "")
    if sub is None:
        raise ActionError(f"no such subscription {params.get('subscription')!r}")
    return checkout.fail_renewal(app, acct, sub)


def pay_checkout_session(app, params) -> dict:
    """Pay an open Checkout Session as the hosted page would (``card``, default 4242 4242 4242 4242)."""
    acct = _platform(app, params)
    sess = acct.checkout_sessions.get(params.get("session") or "")
    if sess is None or sess["status"] != "open":
        raise ActionError(f"no open checkout session {params.get('session')!r}")
    card = params.get("card") or "4242424242424242"
    if sess["mode"] in ("payment", "setup"):
        return _pay_payment_session(app, acct, sess, card, params)
    try:
        checkout.check_card(card)
    except checkout.CardDeclined as declined:
        raise ActionError(declined.message) from None
    email = params.get("email") or sess.get("customer_email") or "buyer@example.test"
    checkout.complete(app, acct, sess, email, params.get("name"), card[-4:])
    return {"session": sess["id"], "subscription": sess["subscription"], "customer": sess["customer"]}


def _pay_payment_session(app, acct, sess: dict, card: str, params: dict) -> dict:
    """Payment mode: a declined card is an error naming Stripe's message; 3155 stops at ``requires_action``
    unless ``authenticate`` is ``complete`` or ``fail``."""
    from . import checkout_payment, payments, setups

    email = params.get("email") or sess.get("customer_email") or "buyer@example.test"
    try:
        payments.check_new_card(card)
        flow = setups if sess["mode"] == "setup" else checkout_payment
        pi = flow.attempt(app, acct, sess, email, params.get("name"), card)
        if pi["status"] == "requires_action" and params.get("authenticate") in ("complete", "fail"):
            pi = flow.authenticate(app, acct, sess, params["authenticate"] == "complete")
    except checkout.CardDeclined as declined:
        raise ActionError(declined.message) from None
    except payments.PaymentFailed as failed:
        raise ActionError(failed.error["message"]) from None
    kind = "setup_intent" if sess["mode"] == "setup" else "payment_intent"
    return {"session": sess["id"], kind: pi["id"], "status": pi["status"], "customer": sess["customer"]}


ACTIONS: dict[str, Callable[[Any, dict], dict]] = {
    "onboard": onboard,
    "restrict_account": restrict_account,
    "pass_deadlines": pass_deadlines,
    "disable_payouts": disable_payouts,
    "review_account": review_account,
    "verify_account": verify_account,
    "set_balance": set_balance,
    "create_payout": create_payout,
    "pay_payout": pay_payout,
    "fail_payout": fail_payout,
    "fail_subscription_renewal": fail_subscription_renewal,
    "pay_checkout_session": pay_checkout_session,
}
