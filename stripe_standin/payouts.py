"""Payouts of a connected account's balance to its bank account, and their ``payout.*`` events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import connect
from .store import AccountData

if TYPE_CHECKING:
    from .server import StandinApp

DAY = 86400
# Stripe's payout failure codes and the messages it gives for them.
FAILURES = {
    "account_closed": "The bank account has been closed.",
    "account_frozen": "The bank account has been frozen.",
    "bank_account_restricted": "The bank account has restrictions on either the type, or the number, of payouts "
    "allowed. This normally indicates that the bank account is a savings or other non-checking account.",
    "bank_ownership_changed": "The destination bank account is no longer valid because its branch has changed "
    "ownership.",
    "could_not_process": "The bank could not process this payout.",
    "debit_not_authorized": "Debit transactions are not approved on the bank account.",
    "declined": "The bank has declined this transfer. Please contact the bank before retrying.",
    "insufficient_funds": "Your Stripe account has insufficient funds to cover the payout.",
    "invalid_account_number": "The routing number seems correct, but the account number is invalid.",
    "incorrect_account_holder_name": "Your bank notified us that the bank account holder name on file is incorrect.",
    "invalid_currency": "The bank was unable to process this payout because of its currency.",
    "no_account": "The bank account details on file are probably incorrect. No bank account could be located "
    "with those details.",
}


def funds(acct: AccountData, currency: str) -> dict[str, int]:
    return acct.balance.setdefault(currency, {"available": 0, "pending": 0})


def create(app: StandinApp, acct: AccountData, amount: int, currency: str | None = None, status: str = "pending"):
    """A payout of ``amount`` from the available balance (which may go negative, as a manual payout in test mode
    can); ``status`` ``paid`` settles it at once, ``in_transit`` leaves it on its way."""
    store = app.store
    now = store.now()
    currency = (currency or acct.account["currency"]).lower()
    if status not in ("pending", "in_transit", "paid"):
        raise ValueError(f"a payout is created pending, in_transit or paid, not {status!r}")
    rec = store.add(
        acct,
        "payouts",
        {
            "id": store.new_id("po_"),
            "amount": amount,
            "currency": currency,
            "created": now,
            "arrival_date": now + 2 * DAY,
            "status": "pending",
            "destination": "ba_" + acct.account["id"][5:] + "Bank",
            "automatic": False,
        },
    )
    funds(acct, currency)["available"] -= amount
    evt = app.emit(acct, "payout.created", "payouts", rec)
    if status == "in_transit":
        rec["status"] = "in_transit"
        evt = app.emit(acct, "payout.updated", "payouts", rec, {"status": "pending"})
    elif status == "paid":
        evt = pay(app, acct, rec)
    return rec, evt


def pay(app: StandinApp, acct: AccountData, rec: dict) -> dict:
    if rec["status"] not in ("pending", "in_transit"):
        raise ValueError(f"payout {rec['id']} is {rec['status']}, it cannot be paid")
    previous = {"status": rec["status"]}
    rec.update(status="paid", arrival_date=min(rec["arrival_date"], app.store.now()))
    return app.emit(acct, "payout.paid", "payouts", rec, previous)


def fail(app: StandinApp, acct: AccountData, rec: dict, failure_code: str) -> dict:
    """The bank returned the payout: the money is back in the balance, and since the bank account is at fault,
    payouts stop until the account has a working one (``external_account`` due), as Stripe does."""
    if failure_code not in FAILURES:
        raise ValueError(f"unknown payout failure_code {failure_code!r}; known: {sorted(FAILURES)}")
    if rec["status"] in ("failed", "canceled"):
        raise ValueError(f"payout {rec['id']} is already {rec['status']}")
    previous = {"status": rec["status"], "failure_code": None, "failure_message": None}
    rec.update(status="failed", failure_code=failure_code, failure_message=FAILURES[failure_code])
    funds(acct, rec["currency"])["available"] += rec["amount"]
    evt = app.emit(acct, "payout.failed", "payouts", rec, previous)
    if failure_code != "insufficient_funds" and connect.is_express(acct):
        due = ["external_account"]
        connect.update(
            app,
            acct,
            payouts_enabled=False,
            requirements=connect.requirements(due, past_due=due, errors=_bank_error(failure_code)),
        )
    return evt


def _bank_error(failure_code: str) -> list[dict]:
    return [{"code": "invalid_value_other", "reason": FAILURES[failure_code], "requirement": "external_account"}]
