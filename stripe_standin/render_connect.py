"""Connect objects in the pinned version's shape: accounts, account links, login links, payouts, balance."""

from __future__ import annotations

import copy

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


def account(rec: dict) -> dict:
    acct_id = rec["id"]
    return {
        "id": acct_id,
        "object": "account",
        "business_profile": {
            "annual_revenue": None,
            "estimated_worker_count": None,
            "mcc": rec.get("mcc", "7311"),
            "name": rec["name"],
            "product_description": rec.get("product_description", "Agency services"),
            "support_address": None,
            "support_email": rec["email"],
            "support_phone": None,
            "support_url": None,
            "url": rec.get("url"),
            "minority_owned_business_designation": None,
        },
        "business_type": rec.get("business_type", "company"),
        "capabilities": dict(rec.get("capabilities") or {"card_payments": "active", "transfers": "active"}),
        "charges_enabled": rec.get("charges_enabled", True),
        "controller": copy.deepcopy(rec.get("controller") or {"type": "account"}),
        "country": rec["country"],
        "created": rec["created"],
        "default_currency": rec["currency"],
        "details_submitted": rec.get("details_submitted", True),
        "email": rec["email"],
        "external_accounts": {
            "object": "list",
            "data": [],
            "has_more": False,
            "url": f"/v1/accounts/{acct_id}/external_accounts",
        },
        "future_requirements": copy.deepcopy(rec.get("future_requirements") or _requirements()),
        "metadata": dict(rec.get("metadata") or {}),
        "payouts_enabled": rec.get("payouts_enabled", True),
        "requirements": copy.deepcopy(rec.get("requirements") or _requirements()),
        "settings": {
            "bacs_debit_payments": {"display_name": None, "service_user_number": None},
            "branding": {"icon": None, "logo": None, "primary_color": None, "secondary_color": None},
            "card_issuing": {"tos_acceptance": {"date": None, "ip": None}},
            "card_payments": {
                "decline_on": {"avs_failure": False, "cvc_failure": False},
                "statement_descriptor_prefix": None,
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "dashboard": {"display_name": rec["name"], "timezone": "Etc/UTC"},
            "invoices": {"default_account_tax_ids": None, "hosted_payment_method_save": None},
            "payments": {
                "statement_descriptor": (rec["name"] or "")[:22].upper() or None,
                "statement_descriptor_kana": None,
                "statement_descriptor_kanji": None,
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "payouts": {
                "debit_negative_balances": True,
                "schedule": {"delay_days": 2, "interval": "daily"},
                "statement_descriptor": None,
            },
            "sepa_debit_payments": {},
        },
        "tos_acceptance": {"date": rec.get("tos_date", rec["created"]), "ip": rec.get("tos_ip"), "user_agent": None},
        "type": rec.get("type", "standard"),
    }


def _requirements() -> dict:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": [],
        "disabled_reason": None,
        "errors": [],
        "eventually_due": [],
        "past_due": [],
        "pending_verification": [],
    }
