"""Control actions that change data the way things happen at Stripe, emitting the matching events."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import oauth, render
from .generator import DAY, Generator
from .store import AccountData

if TYPE_CHECKING:
    from .server import StandinApp


class ActionError(Exception):
    pass


def _acct(app: StandinApp, params: dict) -> AccountData:
    acct = app.store.account(params.get("account") or "")
    if acct is None:
        raise ActionError(f"unknown account {params.get('account')!r}")
    return acct


def _get(acct: AccountData, coll: str, obj_id: str | None) -> dict:
    rec = acct.collection(coll).get(obj_id or "")
    if rec is None:
        raise ActionError(f"no such {coll[:-1]} {obj_id!r} in {acct.account['id']}")
    return rec


def _gen(app: StandinApp) -> Generator:
    gen = Generator(app.store, app.store.next_seq())
    gen.record_events = False  # an action emits its own events, rendered as they happen
    return gen


def pay_invoice(app, params) -> dict:
    acct = _acct(app, params)
    inv = _get(acct, "invoices", params.get("invoice"))
    if inv["status"] not in ("open", "uncollectible"):
        raise ActionError(f"invoice is {inv['status']}, cannot be paid")
    previous = {"status": inv["status"], "amount_paid": inv["amount_paid"], "amount_remaining": inv["amount_remaining"]}
    now = app.store.now()
    inv.update(
        status="paid",
        amount_paid=inv["amount_due"],
        amount_remaining=0,
        paid_at=now,
        attempt_count=inv.get("attempt_count", 0) + 1,
        attempted=True,
        next_payment_attempt=None,
    )
    cust = _get(acct, "customers", inv["customer"])
    charge = app.store.add(
        acct,
        "charges",
        {
            "id": app.store.new_id("ch_"),
            "customer": cust["id"],
            "invoice": inv["id"],
            "amount": inv["amount_paid"],
            "currency": inv["currency"],
            "created": now,
            "amount_refunded": 0,
            "refunds": [],
            "email": cust.get("email"),
            "name": cust.get("name"),
            "description": f"Payment for Invoice {inv['number']}",
            "status": "succeeded",
        },
    )
    inv["charge"] = charge["id"]
    app.emit(acct, "charge.succeeded", "charges", charge)
    app.emit(acct, "invoice.payment_succeeded", "invoices", inv, previous)
    return app.emit(acct, "invoice.paid", "invoices", inv, previous)


def mark_invoice_past_due(app, params) -> dict:
    """Make an invoice overdue the way its collection method allows: a send_invoice invoice's due date passes;
    a charge_automatically one (no due date) was finalized ``days_overdue`` ago and its payment just failed."""
    acct = _acct(app, params)
    inv = _get(acct, "invoices", params.get("invoice"))
    now = app.store.now()
    days = int(params.get("days_overdue", 7))
    previous = {"status": inv["status"], "amount_paid": inv["amount_paid"], "amount_remaining": inv["amount_remaining"]}
    inv.update(status="open", paid_at=None, amount_paid=0, amount_remaining=inv["amount_due"])
    if inv.get("collection_method") == "send_invoice":
        previous["due_date"] = inv.get("due_date")
        inv["due_date"] = now - days * DAY
        return app.emit(acct, "invoice.overdue", "invoices", inv, previous)
    cust = _get(acct, "customers", inv["customer"])
    gen = _gen(app)
    inv["finalized_at"] = min(inv.get("finalized_at") or now, now - days * DAY)
    previous.update(attempt_count=inv.get("attempt_count", 0), next_payment_attempt=inv.get("next_payment_attempt"))
    charge = gen.fail_attempt(acct, cust, inv, now, now + 3 * DAY)
    app.emit(acct, "charge.failed", "charges", charge)
    return app.emit(acct, "invoice.payment_failed", "invoices", inv, previous)


def create_invoice(app, params) -> dict:
    acct = _acct(app, params)
    cust = _get(acct, "customers", params.get("customer"))
    gen = _gen(app)
    now = app.store.now()
    amount = int(params.get("amount", 10000))
    n_lines = int(params.get("lines", 1))
    lines = [
        {
            "id": app.store.new_id("il_"),
            "amount": amount,
            "quantity": 1,
            "description": params.get("description", "Services") + (f" #{k + 1}" if n_lines > 1 else ""),
            "period_start": now,
            "period_end": now,
            "price": None,
            "subscription_item": None,
        }
        for k in range(n_lines)
    ]
    if params.get("currency"):
        cust["currency"] = cust.get("currency") or params["currency"]
    status = params.get("status", "open")
    inv = gen.build_invoice(
        acct,
        cust,
        int(params.get("created", now)),
        lines,
        subscription=params.get("subscription"),
        billing_reason="manual",
        collection="send_invoice",
        status=status,
    )
    if params.get("due_date"):
        inv["due_date"] = int(params["due_date"])
    app.emit(acct, "invoice.created", "invoices", inv)
    evt = app.emit(acct, "invoice.finalized", "invoices", inv)
    if status == "paid":
        evt = app.emit(acct, "invoice.paid", "invoices", inv)
    return evt


def cancel_subscription(app, params) -> dict:
    acct = _acct(app, params)
    sub = _get(acct, "subscriptions", params.get("subscription"))
    now = app.store.now()
    at_period_end = str(params.get("at_period_end", "false")).lower() in ("1", "true", "yes")
    if at_period_end:
        previous = {"cancel_at_period_end": sub.get("cancel_at_period_end", False), "cancel_at": sub.get("cancel_at")}
        sub.update(cancel_at_period_end=True, cancel_at=sub["current_period_end"], canceled_at=now)
        return app.emit(acct, "customer.subscription.updated", "subscriptions", sub, previous)
    previous = {"status": sub["status"]}
    sub.update(status="canceled", canceled_at=now, ended_at=now, cancel_at_period_end=False)
    return app.emit(acct, "customer.subscription.deleted", "subscriptions", sub, previous)


def apply_coupon(app, params) -> dict:
    """Put a coupon on a subscription from now on, replacing its discount, as the Dashboard does."""
    acct = _acct(app, params)
    sub = _get(acct, "subscriptions", params.get("subscription"))
    if params.get("coupon") not in acct.coupons:
        raise ActionError(f"no such coupon {params.get('coupon')!r} in {acct.account['id']}")
    previous = {"discounts": [d["id"] for d in render.discounts_of(sub)]}
    sub.pop("discounts", None)
    sub["discount"] = {
        "id": _gen(app).id("di_"),
        "coupon": params["coupon"],
        "customer": sub["customer"],
        "subscription": sub["id"],
        "start": app.store.now(),
        "end": None,
    }
    return app.emit(acct, "customer.subscription.updated", "subscriptions", sub, previous)


def update_customer_email(app, params) -> dict:
    acct = _acct(app, params)
    cust = _get(acct, "customers", params.get("customer"))
    previous = {"email": cust.get("email")}
    cust["email"] = params.get("email") or None
    return app.emit(acct, "customer.updated", "customers", cust, previous)


def refund_charge(app, params) -> dict:
    acct = _acct(app, params)
    ch = _get(acct, "charges", params.get("charge"))
    amount = int(params.get("amount", ch["amount"] - ch["amount_refunded"]))
    gen = _gen(app)
    gen.make_refund(acct, ch, amount, app.store.now())
    return app.emit(acct, "charge.refunded", "charges", ch)


# Stripe's `failure_reason` values for a refund that failed (`stripe/_refund.py`).
REFUND_FAILURES = (
    "lost_or_stolen_card",
    "expired_or_canceled_card",
    "charge_for_pending_refund_disputed",
    "insufficient_funds",
    "declined",
    "merchant_request",
    "unknown",
)


def fail_refund(app, params) -> dict:
    """A refund reported succeeded fails later (the card was closed, say): the money never left the account.

    The charge gets the amount back (``amount_refunded`` falls, so it may be refunded again), and Stripe's three
    events go out, each carrying the refund: ``refund.failed``, ``refund.updated`` and ``charge.refund.updated``.
    """
    acct = _acct(app, params)
    rec = _get(acct, "refunds", params.get("refund"))
    reason = params.get("failure_reason") or "expired_or_canceled_card"
    if reason not in REFUND_FAILURES:
        raise ActionError(f"failure_reason must be one of {', '.join(REFUND_FAILURES)}")
    status = rec.get("status", "succeeded")
    if status not in ("pending", "succeeded"):
        raise ActionError(f"refund is {status}, cannot fail")
    charge = _get(acct, "charges", rec["charge"])
    previous = {"status": status}
    rec.update(status="failed", failure_reason=reason, failure_balance_transaction=app.store.new_id("txn_"))
    charge["amount_refunded"] = max(0, charge["amount_refunded"] - rec["amount"])
    app.emit(acct, "refund.failed", "refunds", rec)
    app.emit(acct, "refund.updated", "refunds", rec, previous)
    return app.emit(acct, "charge.refund.updated", "refunds", rec, previous)


def deauthorize(app, params) -> dict:
    acct = _acct(app, params)
    if acct.account["id"] not in app.store.linked:
        raise ActionError(f"{acct.account['id']} is not connected to the platform")
    return oauth.deauthorize(app, acct.account["id"])


def link_account(app, params) -> dict:
    """Connect an account without the consent page (returns what POST /oauth/token would)."""
    acct = _acct(app, params)
    return {"object": "oauth_token", **oauth.link(app, acct.account["id"], params.get("scope", "read_write"))}


def issue_code(app, params) -> dict:
    """An authorization code as if the user had pressed "Connect" on the consent page."""
    acct = _acct(app, params)
    return {"code": oauth.issue_code(app, acct.account["id"], params.get("scope", "read_write"))}


def emit_event(app, params) -> dict:
    """Emit an arbitrary event about an existing object (``object`` = its id)."""
    acct = _acct(app, params)
    name, rec = acct.lookup(params.get("object") or "")
    if rec is None:
        raise ActionError(f"no such object {params.get('object')!r}")
    return app.emit(acct, params["type"], name, rec)


ACTIONS: dict[str, Callable[[Any, dict], dict]] = {
    "pay_invoice": pay_invoice,
    "mark_invoice_past_due": mark_invoice_past_due,
    "create_invoice": create_invoice,
    "cancel_subscription": cancel_subscription,
    "apply_coupon": apply_coupon,
    "update_customer_email": update_customer_email,
    "refund_charge": refund_charge,
    "fail_refund": fail_refund,
    "deauthorize": deauthorize,
    "link_account": link_account,
    "issue_code": issue_code,
    "emit_event": emit_event,
}
