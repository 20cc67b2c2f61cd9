"""Invoices, payments and refunds as they happen at Stripe, step by step; each step is an event with a snapshot.

A `charge_automatically` invoice (every subscription invoice unless the agency bills by invoice) has no due date:
Stripe finalizes it about an hour after it is created and charges the card at once; a failed payment is retried
on a schedule (`next_payment_attempt`), each attempt a failed charge, until one succeeds or the retries run out.
A `send_invoice` invoice is due `days_until_due` after it is finalized and is paid, late or on time, by the client.
"""

from __future__ import annotations

import copy

from . import coupons
from .store import AccountData

DAY = 86400
HOUR = 3600
# Days after the first attempt on which Stripe retries a failed automatic payment (a Smart Retries-like schedule).
RETRY_AFTER_DAYS = (3, 8, 15)
DECLINES = [  # failure_code, outcome.reason (the issuer's decline code), failure_message
    ("card_declined", "generic_decline", "Your card was declined."),
    ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    ("expired_card", "expired_card", "Your card has expired."),
]
EVENT_WINDOW = 35 * DAY  # the API shows 30 days; a little more lets a fixed clock move on


class Invoicing:
    """Mixed into the Generator (uses its ``rng``, ``now``, ``id``, ``add`` and ``record_events``)."""

    def build_invoice(
        self,
        acct: AccountData,
        cust: dict,
        t: int,
        lines: list[dict],
        *,
        subscription: str | None,
        billing_reason: str,
        discount: dict | None = None,
        collection: str = "charge_automatically",
        period: tuple[int, int] | None = None,
        status: str | None = None,
        days_until_due: int = 30,
        outcome: str | None = None,
    ) -> dict:
        """An invoice created at ``t``, then finalized and collected as far as the clock has got.

        ``status`` forces where it ends without the intermediate steps (for actions, which emit their own events);
        ``outcome`` forces the story (paid, paid_after_retry, failed, void, uncollectible for automatic
        collection; paid_on_time, paid_late, unpaid, void, uncollectible for send_invoice).
        """
        subtotal = sum(line["amount"] for line in lines)
        disc_amount = 0
        if discount:
            disc_amount = coupons.amount_off(acct.coupons[discount["coupon"]], subtotal)
            discount["used"] = discount.get("used", 0) + 1
        tax = int((subtotal - disc_amount) * 0.2) if cust["currency"] in ("eur", "gbp") else 0
        total = subtotal - disc_amount + tax
        inv = {
            "id": self.id("in_"),
            "customer": cust["id"],
            "subscription": subscription,
            "created": t,
            "status": "draft",
            "currency": cust["currency"],
            "subtotal": subtotal,
            "discount_amount": disc_amount,
            "discount_id": discount["id"] if discount else None,
            "discount_coupon": discount["coupon"] if discount else None,
            "tax": tax,
            "total": total,
            "amount_due": total,
            "amount_paid": 0,
            "amount_remaining": total,
            "due_date": None,
            "period_start": period[0] if period else t,
            "period_end": period[1] if period else t,
            "finalized_at": None,
            "paid_at": None,
            "voided_at": None,
            "uncollectible_at": None,
            "number": None,
            "customer_email": cust.get("email"),
            "customer_name": cust.get("name"),
            "lines": lines,
            "charge": None,
            "billing_reason": billing_reason,
            "collection_method": collection,
            "days_until_due": days_until_due if collection == "send_invoice" else None,
            "attempt_count": 0,
            "attempted": False,
            "next_payment_attempt": t + HOUR if collection == "charge_automatically" else None,
        }
        self.add(acct, "invoices", inv)
        self.emit_if_recent(acct, "invoice.created", "invoices", inv, t)
        if status is not None:
            self.settle_as(acct, cust, inv, status)
        elif t + HOUR <= self.now:
            self.finalize(acct, cust, inv, t + HOUR)
            if total == 0:  # nothing to collect: Stripe marks it paid as it finalizes
                self.pay(acct, cust, inv, t + HOUR)
            elif collection == "send_invoice":
                self.collect_by_invoice(acct, cust, inv, outcome)
            else:
                self.collect_automatically(acct, cust, inv, outcome)
        return inv

    def settle_as(self, acct: AccountData, cust: dict, inv: dict, status: str) -> None:
        if status == "draft":
            return
        self.finalize(acct, cust, inv, inv["created"])
        if status == "paid":
            self.pay(acct, cust, inv, inv["created"])
        elif status == "void":
            self.void(acct, inv, inv["created"])
        elif status == "uncollectible":
            self.mark_uncollectible(acct, inv, inv["created"])

    def finalize(self, acct: AccountData, cust: dict, inv: dict, at: int) -> None:
        seq = cust.get("next_invoice_sequence", 1)
        cust["next_invoice_sequence"] = seq + 1
        inv.update(status="open", finalized_at=at, number=f"{cust['invoice_prefix']}-{seq:04d}")
        if inv["collection_method"] == "send_invoice":
            inv["due_date"] = at + inv["days_until_due"] * DAY
        else:
            inv["next_payment_attempt"] = at
        self.emit_if_recent(acct, "invoice.finalized", "invoices", inv, at)

    def collect_automatically(self, acct: AccountData, cust: dict, inv: dict, outcome: str | None) -> None:
        rng, now = self.rng, self.now
        if outcome is None:
            r = rng.random()
            outcome = (
                "paid"
                if r < 0.91
                else "paid_after_retry"
                if r < 0.96
                else "failed"
                if r < 0.975
                else "void"
                if r < 0.99
                else "uncollectible"
            )
        first = inv["finalized_at"]
        attempts = [first] + [first + days * DAY for days in RETRY_AFTER_DAYS]
        succeeds = (
            0 if outcome == "paid" else rng.randrange(1, len(attempts)) if outcome == "paid_after_retry" else None
        )
        for k, at in enumerate(attempts):
            if at > now:
                return  # Stripe is still retrying: next_payment_attempt says when
            if k == succeeds:
                self.pay(acct, cust, inv, min(now, at + rng.randrange(1, 600)))
                return
            self.fail_attempt(acct, cust, inv, at, attempts[k + 1] if k + 1 < len(attempts) else None)
        gave_up = attempts[-1]
        if outcome == "void" and gave_up + 2 * DAY <= now:
            self.void(acct, inv, gave_up + 2 * DAY)
        elif outcome == "uncollectible":
            self.mark_uncollectible(acct, inv, gave_up)

    def collect_by_invoice(self, acct: AccountData, cust: dict, inv: dict, outcome: str | None) -> None:
        rng, now = self.rng, self.now
        if outcome is None:
            r = rng.random()
            outcome = (
                "paid_on_time"
                if r < 0.65
                else "paid_late"
                if r < 0.9
                else "unpaid"
                if r < 0.95
                else "void"
                if r < 0.98
                else "uncollectible"
            )
        finalized, due = inv["finalized_at"], inv["due_date"]
        if outcome == "paid_on_time":
            at = finalized + rng.randrange(HOUR, due - finalized)
            if at <= now:
                self.pay(acct, cust, inv, at)
            return  # else still open, and not yet due
        if outcome == "void":
            at = finalized + rng.randrange(DAY, 60 * DAY)
            if at <= now:
                self.void(acct, inv, at)
                return
        if due <= now:
            self.emit_if_recent(acct, "invoice.overdue", "invoices", inv, due)
        if outcome == "paid_late":
            at = due + rng.randrange(DAY, 45 * DAY)
            if at <= now:
                self.pay(acct, cust, inv, at)
        elif outcome == "uncollectible" and due + 60 * DAY <= now:
            self.mark_uncollectible(acct, inv, due + 60 * DAY)

    # -- the steps -------------------------------------------------------------------------
    def fail_attempt(self, acct: AccountData, cust: dict, inv: dict, at: int, next_attempt: int | None) -> dict:
        code, reason, message = self.rng.choice(DECLINES)
        ch = self.add(
            acct,
            "charges",
            {
                **self.charge_base(cust, inv, at),
                "status": "failed",
                "failure_code": code,
                "failure_message": message,
                "decline_reason": reason,
            },
        )
        previous = {
            "attempt_count": inv["attempt_count"],
            "attempted": inv["attempted"],
            "next_payment_attempt": inv["next_payment_attempt"],
        }
        inv.update(attempt_count=inv["attempt_count"] + 1, attempted=True, next_payment_attempt=next_attempt)
        self.emit_if_recent(acct, "charge.failed", "charges", ch, at)
        self.emit_if_recent(acct, ("invoice.updated", "invoice.payment_failed"), "invoices", inv, at, previous)
        return ch

    def pay(self, acct: AccountData, cust: dict, inv: dict, at: int) -> None:
        previous = {
            "status": inv["status"],
            "amount_paid": inv["amount_paid"],
            "amount_remaining": inv["amount_remaining"],
            "attempted": inv["attempted"],
        }
        inv.update(
            status="paid",
            amount_paid=inv["amount_due"],
            amount_remaining=0,
            paid_at=at,
            attempt_count=inv["attempt_count"] + 1,
            attempted=True,
            next_payment_attempt=None,
        )
        if inv["total"] > 0:
            self.make_charge(acct, cust, inv)
        self.emit_if_recent(
            acct, ("invoice.updated", "invoice.paid", "invoice.payment_succeeded"), "invoices", inv, at, previous
        )

    def void(self, acct: AccountData, inv: dict, at: int) -> None:
        previous = {"status": inv["status"], "amount_remaining": inv["amount_remaining"]}
        inv.update(status="void", voided_at=at, amount_remaining=0, next_payment_attempt=None)
        self.emit_if_recent(acct, ("invoice.updated", "invoice.voided"), "invoices", inv, at, previous)

    def mark_uncollectible(self, acct: AccountData, inv: dict, at: int) -> None:
        inv.update(status="uncollectible", uncollectible_at=at, next_payment_attempt=None)
        self.emit_if_recent(
            acct, ("invoice.updated", "invoice.marked_uncollectible"), "invoices", inv, at, {"status": "open"}
        )

    def charge_base(self, cust: dict, inv: dict, at: int) -> dict:
        rng = self.rng
        return {
            "id": self.id("ch_"),
            "customer": cust["id"],
            "invoice": inv["id"],
            "amount": inv["amount_due"],
            "currency": inv["currency"],
            "created": at,
            "amount_refunded": 0,
            "refunds": [],
            "email": cust.get("email"),
            "name": cust.get("name"),
            "description": f"Payment for Invoice {inv['number']}" if inv["number"] else "Payment for Invoice",
            "brand": cust.setdefault("_brand", rng.choice(["visa", "visa", "mastercard", "amex"])),
            "last4": cust.setdefault("_last4", rng.choice(["4242", "4444", "0005"])),
        }

    def make_charge(self, acct: AccountData, cust: dict, inv: dict) -> dict:
        rng = self.rng
        ch = self.add(acct, "charges", {**self.charge_base(cust, inv, inv["paid_at"]), "status": "succeeded"})
        inv["charge"] = ch["id"]
        self.emit_if_recent(acct, "charge.succeeded", "charges", ch, ch["created"])
        r = rng.random()
        if r < 0.04:
            amount = ch["amount"] if r < 0.01 else ch["amount"] // rng.choice([2, 4, 5])
            self.make_refund(acct, ch, amount, min(self.now, ch["created"] + rng.randrange(DAY, 20 * DAY)))
        return ch

    def make_refund(self, acct: AccountData, ch: dict, amount: int, created: int) -> dict:
        ref = self.add(
            acct,
            "refunds",
            {
                "id": self.id("re_"),
                "charge": ch["id"],
                "amount": amount,
                "currency": ch["currency"],
                "created": created,
                "customer": ch.get("customer"),
                "reason": self.rng.choice(["requested_by_customer", None]),
                "status": "succeeded",
                "failure_reason": None,
            },
        )
        ch["refunds"].append(ref["id"])
        ch["amount_refunded"] += amount
        self.emit_if_recent(acct, "charge.refunded", "charges", ch, created)
        return ref

    # -- events ------------------------------------------------------------------------------
    def emit_if_recent(
        self,
        acct: AccountData,
        etypes: str | tuple[str, ...],
        coll: str,
        rec: dict,
        created: int,
        previous: dict | None = None,
    ) -> None:
        """Record events carrying ``rec`` as it is now, the moment they happen (one copy, rendered on read).

        Like Stripe, only ``*.updated`` events say what changed (``previous_attributes``).
        """
        if not self.record_events or self.now - created > EVENT_WINDOW or created > self.now:
            return
        copied = snapshot(rec)
        for etype in (etypes,) if isinstance(etypes, str) else etypes:
            evt = {
                "id": self.id("evt_"),
                "type": etype,
                "created": created,
                "object": None,
                "lazy": (coll, copied),
                "previous": previous if etype.endswith(".updated") else None,
                "account": acct.account["id"],
            }
            self.add(acct, "events", evt)


def snapshot(rec: dict) -> dict:
    """A copy that later changes to ``rec`` leave alone. Invoice lines never change once made, so they are shared."""
    out = {key: value for key, value in rec.items() if key != "lines"}
    out = copy.deepcopy(out)
    if "lines" in rec:
        out["lines"] = rec["lines"]
    return out
