"""PaymentIntents, PaymentMethods and application fees in the pinned version's shape."""

from __future__ import annotations

from .render_shared import address


def payment_intent(rec: dict) -> dict:
    return {
        "id": rec["id"],
        "object": "payment_intent",
        "amount": rec["amount"],
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": rec["amount_received"],
        "application": rec.get("application"),
        "application_fee_amount": rec.get("application_fee_amount"),
        "automatic_payment_methods": None,
        "canceled_at": rec.get("canceled_at"),
        "cancellation_reason": "expired" if rec["status"] == "canceled" else None,
        "capture_method": "automatic",
        "client_secret": rec["client_secret"],
        "confirmation_method": "automatic",
        "created": rec["created"],
        "currency": rec["currency"],
        "customer": rec.get("customer"),
        "customer_account": None,
        "description": rec.get("description"),
        "excluded_payment_method_types": None,
        "last_payment_error": _last_error(rec.get("last_payment_error")),
        "latest_charge": rec.get("latest_charge"),
        "livemode": False,
        "managed_payments": None,
        "metadata": dict(rec.get("metadata") or {}),
        "next_action": rec.get("next_action"),
        "on_behalf_of": None,
        "payment_method": rec.get("payment_method"),
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {
                "installments": None,
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        "payment_method_types": ["card"],
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": rec.get("setup_future_usage"),
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": rec["status"],
        "transfer_data": None,
        "transfer_group": None,
    }


def _last_error(error: dict | None) -> dict | None:
    if error is None:
        return None
    return {**{k: v for k, v in error.items() if k != "payment_intent"}, "payment_method_type": "card"}


def payment_method(rec: dict) -> dict:
    brand = rec["brand"]
    return {
        "id": rec["id"],
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": {
            "address": address(),
            "email": rec.get("email"),
            "name": rec.get("name"),
            "phone": None,
            "tax_id": None,
        },
        "card": {
            "brand": brand,
            "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
            "country": "US",
            "display_brand": brand,
            "exp_month": 12,
            "exp_year": 2034,
            "fingerprint": rec["fingerprint"],
            "funding": "credit",
            "generated_from": None,
            "last4": rec["last4"],
            "networks": {"available": [brand], "preferred": None},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        "created": rec["created"],
        "customer": rec.get("customer"),
        "customer_account": None,
        "livemode": False,
        "metadata": dict(rec.get("metadata") or {}),
        "type": "card",
    }


def fee_refund(rec: dict, currency: str) -> dict:
    return {
        "id": rec["id"],
        "object": "fee_refund",
        "amount": rec["amount"],
        "balance_transaction": rec["id"].replace("fr_", "txn_", 1),
        "created": rec["created"],
        "currency": currency,
        "fee": rec["fee"],
        "metadata": {},
    }


def application_fee(rec: dict) -> dict:
    refunds = [fee_refund(r, rec["currency"]) for r in reversed(rec["refunds"])]
    return {
        "id": rec["id"],
        "object": "application_fee",
        "account": rec["account"],
        "amount": rec["amount"],
        "amount_refunded": rec["amount_refunded"],
        "application": rec["application"],
        "balance_transaction": rec["id"].replace("fee_", "txn_", 1),
        "charge": rec["charge"],
        "created": rec["created"],
        "currency": rec["currency"],
        "fee_source": {"charge": rec["charge"], "type": "charge"},
        "livemode": False,
        "originating_transaction": None,
        "refunded": rec["amount_refunded"] >= rec["amount"],
        "refunds": {
            "object": "list",
            "data": refunds[:10],
            "has_more": len(refunds) > 10,
            "total_count": len(refunds),
            "url": f"/v1/application_fees/{rec['id']}/refunds",
        },
    }


def setup_intent(rec: dict) -> dict:
    return {
        "id": rec["id"],
        "object": "setup_intent",
        "application": rec.get("application"),
        "automatic_payment_methods": None,
        "cancellation_reason": None,
        "client_secret": rec["client_secret"],
        "created": rec["created"],
        "customer": rec.get("customer"),
        "customer_account": None,
        "description": rec.get("description"),
        "excluded_payment_method_types": None,
        "flow_directions": None,
        "last_setup_error": _last_error(rec.get("last_setup_error")),
        "latest_attempt": None,
        "livemode": False,
        "mandate": None,
        "metadata": dict(rec.get("metadata") or {}),
        "next_action": rec.get("next_action"),
        "on_behalf_of": None,
        "payment_method": rec.get("payment_method"),
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {"mandate_options": None, "network": None, "request_three_d_secure": "automatic"}
        },
        "payment_method_types": ["card"],
        "single_use_mandate": None,
        "status": rec["status"],
        "usage": "off_session",
    }
