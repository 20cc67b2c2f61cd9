"""Render charges and refunds as Stripe JSON objects, in the shape of the API version the SDK pins."""

from __future__ import annotations

from .render_shared import address
from .store import AccountData


def refund(rec: dict) -> dict:
    """A refund; one that failed after it succeeded (``actions.fail_refund``) also says why and how it was undone.

    Stripe sends ``failure_reason`` and ``failure_balance_transaction`` only on a refund that failed (its fixture
    has neither), so they are left out of the others.
    """
    status = rec.get("status", "succeeded")
    failed = {}
    if status == "failed":
        failed = {
            "failure_balance_transaction": rec.get("failure_balance_transaction"),
            "failure_reason": rec.get("failure_reason") or "unknown",
        }
    return {
        "id": rec["id"],
        "object": "refund",
        "amount": rec["amount"],
        "balance_transaction": rec["id"].replace("re_", "txn_", 1),
        "charge": rec["charge"],
        "created": rec["created"],
        "currency": rec["currency"],
        "customer": rec.get("customer"),
        "customer_account": None,
        "destination_details": {"card": {"type": "refund", "reference_status": "available"}, "type": "card"},
        "metadata": dict(rec.get("metadata") or {}),
        "payment_intent": rec.get("payment_intent"),
        "payment_method": None,
        "reason": rec.get("reason"),
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": status,
        "transfer_reversal": None,
        **failed,
    }


def _outcome(paid: bool, rec: dict) -> dict:
    if paid:
        return {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
    return {
        "advice_code": "try_again_later",
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "declined_by_network",
        "reason": rec.get("decline_reason") or rec.get("failure_code") or "generic_decline",
        "risk_level": "normal",
        "seller_message": "The bank did not return any further details with this decline.",
        "type": "issuer_declined",
    }


def _card(rec: dict, paid: bool) -> dict:
    brand = rec.get("brand", "visa")
    return {
        "amount_authorized": rec["amount"] if paid else None,
        "authorization_code": None,
        "brand": brand,
        "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
        "country": "US",
        "exp_month": 12,
        "exp_year": 2030,
        "extended_authorization": {"status": "disabled"},
        "fingerprint": "fp" + rec["id"][3:17],
        "funding": "credit",
        "incremental_authorization": {"status": "unavailable"},
        "installments": None,
        "last4": rec.get("last4", "4242"),
        "mandate": None,
        "multicapture": {"status": "unavailable"},
        "network": brand,
        "network_token": {"used": False},
        "network_transaction_id": None,
        "overcapture": {"maximum_amount_capturable": rec["amount"], "status": "unavailable"},
        "regulated_status": "unregulated",
        "three_d_secure": None,
        "transaction_link_id": None,
        "wallet": None,
    }


def charge(acct: AccountData, rec: dict) -> dict:
    refunds = [refund(acct.refunds.get(rid)) for rid in rec.get("refunds", [])]
    refunds.sort(key=lambda r: -r["created"])
    cid = rec["id"]
    status = rec.get("status", "succeeded")
    paid = status == "succeeded"
    return {
        "id": cid,
        "object": "charge",
        "amount": rec["amount"],
        "amount_captured": rec["amount"] if paid else 0,
        "amount_refunded": rec.get("amount_refunded", 0),
        "application": rec.get("application"),
        "application_fee": rec.get("application_fee"),
        "application_fee_amount": rec.get("application_fee_amount"),
        "balance_transaction": cid.replace("ch_", "txn_", 1) if paid else None,
        "billing_details": {
            "address": address(None),
            "email": rec.get("email"),
            "name": rec.get("name"),
            "phone": None,
            "tax_id": None,
        },
        "calculated_statement_descriptor": (acct.account["name"] or "")[:22].upper() or None,
        "captured": paid,
        "created": rec["created"],
        "currency": rec["currency"],
        "customer": rec.get("customer"),
        "description": rec.get("description"),
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": rec.get("failure_code"),
        "failure_message": rec.get("failure_message"),
        "fraud_details": {},
        "livemode": False,
        "metadata": dict(rec.get("metadata") or {}),
        "on_behalf_of": None,
        "outcome": _outcome(paid, rec),
        "paid": paid,
        "payment_intent": rec.get("payment_intent"),
        "payment_method": rec.get("payment_method") or "pm_" + cid[3:],
        "payment_method_details": {"card": _card(rec, paid), "type": "card"},
        "receipt_email": rec.get("email"),
        "receipt_number": None,
        "receipt_url": f"https://pay.stripe.com/receipts/{acct.account['id']}/{cid}",
        "refunded": paid and rec.get("amount_refunded", 0) >= rec["amount"],
        "refunds": {
            "object": "list",
            "data": refunds[:10],
            "has_more": len(refunds) > 10,
            "total_count": len(refunds),
            "url": f"/v1/charges/{cid}/refunds",
        },
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": status,
        "transfer_data": None,
        "transfer_group": None,
    }
