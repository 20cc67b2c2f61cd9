"""Connect objects in the pinned version's shape: account links, login links, payouts, balance."""

from __future__ import annotations

from .store import AccountData


def account_link(rec: dict) -> dict:
    return {"object": "account_link", "created": rec["created"], "expires_at": rec["expires_at"], "url": rec["url"]}


def login_link(rec: dict) -> dict:
    return {"object": "login_link", "created": rec["created"], "url": rec["url"]}


def payout(rec: dict) -> dict:
    status = rec["status"]
    return {
        "id": rec["id"],
        "object": "payout",
        "amount": rec["amount"],
        "application_fee": None,
        "application_fee_amount": None,
        "arrival_date": rec["arrival_date"],
        "automatic": rec.get("automatic", False),
        "balance_transaction": "txn_" + rec["id"][3:],
        "created": rec["created"],
        "currency": rec["currency"],
        "description": "STRIPE PAYOUT",
        "destination": rec["destination"],
        "failure_balance_transaction": ("txn_1F" + rec["id"][5:]) if status == "failed" else None,
        "failure_code": rec.get("failure_code"),
        "failure_message": rec.get("failure_message"),
        "livemode": False,
        "metadata": {},
        "method": "standard",
        "original_payout": None,
        "payout_method": None,
        "reconciliation_status": "completed" if status == "paid" else "not_applicable",
        "reversed_by": None,
        "source_type": "card",
        "statement_descriptor": None,
        "status": status,
        "trace_id": {"status": "supported" if status == "paid" else "pending", "value": None},
        "type": "bank_account",
    }


def balance(acct: AccountData) -> dict:
    amounts = acct.balance or {acct.account["currency"]: {"available": 0, "pending": 0}}
    currencies = sorted(amounts)

    def funds(kind: str) -> list[dict]:
        return [
            {"amount": amounts[c][kind], "currency": c, "source_types": {"card": amounts[c][kind]}} for c in currencies
        ]

    return {
        "object": "balance",
        "available": funds("available"),
        "connect_reserved": [{"amount": 0, "currency": c} for c in currencies],
        "livemode": False,
        "pending": funds("pending"),
    }
