"""Checkout in subscription mode, renewals that fail, and cancelling through the Customer Portal.

What a paid Checkout Session leaves behind, in the order Stripe sends its events: the customer (unless one was
given), a subscription created ``incomplete``, its first invoice created, finalized and paid by a charge, the
subscription made ``active``, then ``checkout.session.completed``.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

from . import actions
from .generator import Generator
from .store import AccountData

if TYPE_CHECKING:
    from .server import StandinApp

DAY = 86400
SESSION_TTL = DAY  # Stripe's default: a Checkout Session expires 24 hours after it is created
RETRY_DAYS = 3
# Stripe's test cards that succeed, and those that decline: code, decline code, message.
GOOD_CARDS = {"4242424242424242", "5555555555554444", "4000056655665556", "378282246310005"}
DECLINED_CARDS = {
    "4000000000009995": ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    "4000000000000002": ("card_declined", "generic_decline", "Your card was declined."),
    "4000000000009987": ("card_declined", "lost_card", "Your card was declined."),
    "4000000000000069": ("expired_card", "expired_card", "Your card has expired."),
    "4000000000000127": ("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."),
}
NOT_A_TEST_CARD = "Your card was declined. Your request was in test mode, but used a non test card."


class CardDeclined(Exception):
    def __init__(self, code: str, decline_code: str | None, message: str) -> None:
        super().__init__(message)
        self.code, self.decline_code, self.message = code, decline_code, message


def check_card(number: str) -> None:
    """Raise ``CardDeclined`` unless ``number`` (spaces allowed) is a test card that succeeds."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) < 13 or not _luhn(digits):
        raise CardDeclined("incorrect_number", None, "Your card number is incorrect.")
    if digits in DECLINED_CARDS:
        raise CardDeclined(*DECLINED_CARDS[digits])
    if digits not in GOOD_CARDS:
        raise CardDeclined("card_declined", "test_mode_live_card", NOT_A_TEST_CARD)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def period_length(price: dict) -> int:
    days = {"day": 1, "week": 7, "month": 30, "year": 365}[price["interval"]]
    return days * price["interval_count"] * DAY


def _gen(app: StandinApp) -> Generator:
    gen = Generator(app.store, app.store.next_seq())
    gen.record_events = False  # events are emitted here, each as its object is at that step
    return gen


def _customer(app: StandinApp, acct: AccountData, sess: dict, email: str, name: str | None) -> dict:
    store = app.store
    if sess.get("customer"):
        return acct.customers.get(sess["customer"])
    rec = {
        "id": store.new_id("cus_", 14),
        "created": store.now(),
        "currency": None,
        "country": acct.account["country"],
        "invoice_prefix": "".join(store.rng.choices(string.ascii_uppercase + string.digits, k=8)),
        "email": email,
        "name": name or None,
        "metadata": {},
    }
    store.add(acct, "customers", rec)
    app.emit(acct, "customer.created", "customers", rec)
    return rec


def complete(app: StandinApp, acct: AccountData, sess: dict, email: str, name: str | None, last4: str) -> None:
    """The card was accepted: create and pay the subscription, then complete the session."""
    store, gen, now = app.store, _gen(app), app.store.now()
    item = sess["line_items"][0]
    price = acct.prices.get(item["price"])
    cust = _customer(app, acct, sess, email, name)
    cust["currency"] = cust.get("currency") or price["currency"]
    plen = period_length(price)
    sub = store.add(
        acct,
        "subscriptions",
        {
            "id": gen.id("sub_"),
            "customer": cust["id"],
            "created": now,
            "start_date": now,
            "billing_cycle_anchor": now,
            "currency": price["currency"],
            "status": "incomplete",
            "collection_method": "charge_automatically",
            "items": [{"id": gen.id("si_", 14), "price": price["id"], "quantity": item["quantity"], "created": now}],
            "current_period_start": now,
            "current_period_end": now + plen,
            "latest_invoice": None,
            "metadata": dict(sess.get("subscription_metadata") or {}),
        },
    )
    app.emit(acct, "customer.subscription.created", "subscriptions", sub)
    inv = first_invoice(app, gen, acct, cust, sub, price, item["quantity"], last4)
    sub.update(status="active", latest_invoice=inv["id"])
    app.emit(acct, "customer.subscription.updated", "subscriptions", sub, {"status": "incomplete"})
    sess.update(
        status="complete",
        payment_status="paid",
        customer=cust["id"],
        subscription=sub["id"],
        invoice=inv["id"],
        customer_details_email=email,
        customer_details_name=name or None,
    )
    app.emit(acct, "checkout.session.completed", None, None, obj=_render_session(sess))


def _render_session(sess: dict) -> dict:
    from .render_checkout import checkout_session

    return checkout_session(sess)


def first_invoice(app, gen, acct, cust, sub, price, quantity, last4) -> dict:
    now = app.store.now()
    product = acct.products.get(price["product"]) or {"name": price.get("nickname") or "Subscription"}
    inv = gen.build_invoice(
        acct,
        cust,
        now,
        [_line(app, sub, price, quantity, product["name"], now)],
        subscription=sub["id"],
        billing_reason="subscription_create",
        period=(now, now),
        status="draft",
    )
    app.emit(acct, "invoice.created", "invoices", inv)
    gen.finalize(acct, cust, inv, now)
    app.emit(acct, "invoice.finalized", "invoices", inv)
    previous = {"status": "open", "amount_paid": 0, "amount_remaining": inv["amount_remaining"]}
    inv.update(status="paid", amount_paid=inv["amount_due"], amount_remaining=0, paid_at=now, attempt_count=1)
    inv.update(attempted=True, next_payment_attempt=None)
    charge = app.store.add(
        acct, "charges", {**gen.charge_base(cust, inv, now), "status": "succeeded", "brand": "visa", "last4": last4}
    )
    inv["charge"] = charge["id"]
    app.emit(acct, "charge.succeeded", "charges", charge)
    app.emit(acct, "invoice.paid", "invoices", inv, previous)
    app.emit(acct, "invoice.payment_succeeded", "invoices", inv, previous)
    return inv


def _line(app: StandinApp, sub: dict, price: dict, quantity: int, name: str, start: int) -> dict:
    amount = price["unit_amount"] * quantity
    return {
        "id": app.store.new_id("il_"),
        "amount": amount,
        "quantity": quantity,
        "description": f"{quantity} × {name} (at ${price['unit_amount'] / 100:,.2f} / {price['interval']})",
        "period_start": start,
        "period_end": start + period_length(price),
        "price": price["id"],
        "subscription_item": sub["items"][0]["id"],
    }


def fail_renewal(app: StandinApp, acct: AccountData, sub: dict) -> dict:
    """The renewal's payment fails: an active subscription renews into a new period with an open invoice whose
    charge was declined, and goes ``past_due``; a ``past_due`` one has its retries run out and is canceled."""
    if sub["status"] == "past_due":
        return _retries_run_out(app, acct, sub)
    if sub["status"] not in ("active", "trialing"):
        raise actions.ActionError(f"subscription {sub['id']} is {sub['status']}; only an active one renews")
    gen, now = _gen(app), app.store.now()
    cust = acct.customers.get(sub["customer"])
    item = sub["items"][0]
    price = acct.prices.get(item["price"])
    product = acct.products.get(price["product"]) or {"name": price.get("nickname") or "Subscription"}
    previous = {
        "status": sub["status"],
        "latest_invoice": sub.get("latest_invoice"),
    }
    sub.update(current_period_start=now, current_period_end=now + period_length(price))
    line = _line(app, sub, price, item["quantity"], product["name"], now)
    inv = gen.build_invoice(
        acct,
        cust,
        now,
        [line],
        subscription=sub["id"],
        billing_reason="subscription_cycle",
        period=(now, now),
        status="draft",
    )
    app.emit(acct, "invoice.created", "invoices", inv)
    gen.finalize(acct, cust, inv, now)
    app.emit(acct, "invoice.finalized", "invoices", inv)
    _decline(app, gen, acct, cust, inv, now + RETRY_DAYS * DAY)
    sub.update(status="past_due", latest_invoice=inv["id"])
    return app.emit(acct, "customer.subscription.updated", "subscriptions", sub, previous)


def _decline(app, gen, acct, cust, inv, next_attempt: int | None) -> None:
    now = app.store.now()
    code, reason, message = DECLINED_CARDS["4000000000009995"]
    charge = app.store.add(
        acct,
        "charges",
        {
            **gen.charge_base(cust, inv, now),
            "status": "failed",
            "failure_code": code,
            "failure_message": message,
            "decline_reason": reason,
            "brand": "visa",
            "last4": "9995",
        },
    )
    previous = {"attempt_count": inv["attempt_count"], "next_payment_attempt": inv["next_payment_attempt"]}
    inv.update(attempt_count=inv["attempt_count"] + 1, attempted=True, next_payment_attempt=next_attempt)
    app.emit(acct, "charge.failed", "charges", charge)
    app.emit(acct, "invoice.payment_failed", "invoices", inv, previous)


def _retries_run_out(app: StandinApp, acct: AccountData, sub: dict) -> dict:
    now = app.store.now()
    inv = acct.invoices.get(sub.get("latest_invoice") or "")
    if inv is not None and inv["status"] == "open":
        _decline(app, _gen(app), acct, acct.customers.get(sub["customer"]), inv, None)
    sub.update(status="canceled", canceled_at=now, ended_at=now, cancel_reason="payment_failed")
    return app.emit(acct, "customer.subscription.deleted", "subscriptions", sub, {"status": "past_due"})


def cancel(app: StandinApp, acct: AccountData, sub: dict, at_period_end: bool) -> dict:
    """Cancel from the portal: at once (``deleted``) or at the period's end (``updated``)."""
    return actions.cancel_subscription(
        app, {"account": acct.account["id"], "subscription": sub["id"], "at_period_end": at_period_end}
    )


def expire_if_due(app: StandinApp, acct: AccountData, sess: dict) -> None:
    """An open session past ``expires_at`` is expired (and says so in ``checkout.session.expired``)."""
    if sess["status"] == "open" and sess["expires_at"] <= app.store.now():
        sess["status"] = "expired"
        pi = acct.payment_intents.get(sess.get("payment_intent") or "")
        if pi is not None and pi["status"] != "succeeded":  # payment mode: Stripe cancels the session's intent
            from .render_payments import payment_intent

            pi.update(status="canceled", canceled_at=app.store.now(), next_action=None)
            app.emit(acct, "payment_intent.canceled", None, None, obj=payment_intent(pi))
        app.emit(acct, "checkout.session.expired", None, None, obj=_render_session(sess))
