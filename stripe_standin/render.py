"""Render internal records as Stripe JSON objects, in the shape of the API version the SDK pins.

Every expandable field is rendered as an id; ``expansion.py`` swaps in objects when ``expand[]`` asks.
"""

from __future__ import annotations

import copy
from typing import Any

from stripe._api_version import _ApiVersion

from .store import AccountData

# The SDK sends this version on every request; following it means an SDK upgrade moves the stand-in too.
API_VERSION = _ApiVersion.CURRENT

LINES_INLINE = 10
_ADDRESS_NULL = {"city": None, "country": None, "line1": None, "line2": None, "postal_code": None, "state": None}


def _address(country: str | None = None) -> dict:
    return {**_ADDRESS_NULL, "country": country}


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


def coupon(rec: dict) -> dict:
    return {
        "id": rec["id"],
        "object": "coupon",
        "amount_off": rec.get("amount_off"),
        "created": rec["created"],
        "currency": rec.get("currency"),
        "duration": rec.get("duration", "forever"),
        "duration_in_months": rec.get("duration_in_months"),
        "livemode": False,
        "max_redemptions": None,
        "metadata": {},
        "name": rec["name"],
        "percent_off": rec.get("percent_off"),
        "redeem_by": None,
        "times_redeemed": 1,
        "valid": True,
    }


def discount(disc: dict | None) -> dict | None:
    """A Discount; its coupon is an id under ``source`` (no longer auto-expanded since 2025-09-30.clover)."""
    if not disc:
        return None
    return {
        "id": disc["id"],
        "object": "discount",
        "checkout_session": None,
        "customer": disc.get("customer"),
        "customer_account": None,
        "end": disc.get("end"),
        "invoice": None,
        "invoice_item": None,
        "promotion_code": None,
        "source": {"coupon": disc["coupon"], "type": "coupon"},
        "start": disc["start"],
        "subscription": disc.get("subscription"),
        "subscription_item": None,
    }


def discounts_of(rec: dict) -> list[dict]:
    """The discount records on a subscription or customer record (one ``discount`` or a ``discounts`` list)."""
    if rec.get("discounts"):
        return list(rec["discounts"])
    return [rec["discount"]] if rec.get("discount") else []


def customer(acct: AccountData, rec: dict) -> dict:
    return {
        "id": rec["id"],
        "object": "customer",
        "address": _address(rec.get("country")),
        "balance": 0,
        "business_name": None,
        "created": rec["created"],
        "currency": rec.get("currency"),
        "customer_account": None,
        "default_source": None,
        "delinquent": rec.get("delinquent", False),
        "description": rec.get("description"),
        "discount": discount(rec.get("discount")),
        "email": rec.get("email"),
        "individual_name": None,
        "invoice_prefix": rec["invoice_prefix"],
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": dict(rec.get("metadata") or {}),
        "name": rec.get("name"),
        "next_invoice_sequence": rec.get("next_invoice_sequence", 1),
        "phone": rec.get("phone"),
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


def product(rec: dict) -> dict:
    return {
        "id": rec["id"],
        "object": "product",
        "active": True,
        "created": rec["created"],
        "default_price": rec.get("default_price"),
        "description": rec.get("description"),
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": {},
        "name": rec["name"],
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": None,
        "type": "service",
        "unit_label": None,
        "updated": rec["created"],
        "url": None,
    }


def price(rec: dict) -> dict:
    return {
        "id": rec["id"],
        "object": "price",
        "active": rec.get("active", True),
        "billing_scheme": "per_unit",
        "created": rec["created"],
        "currency": rec["currency"],
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": rec.get("nickname"),
        "product": rec["product"],
        "recurring": {
            "interval": rec["interval"],
            "interval_count": rec["interval_count"],
            "meter": None,
            "usage_type": rec.get("usage_type", "licensed"),
            "trial_period_days": None,
        },
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring",
        "unit_amount": rec["unit_amount"],
        "unit_amount_decimal": str(rec["unit_amount"]),
    }


def plan(rec: dict) -> dict:
    return {
        "id": rec["id"],
        "object": "plan",
        "active": rec.get("active", True),
        "amount": rec["unit_amount"],
        "amount_decimal": str(rec["unit_amount"]),
        "billing_scheme": "per_unit",
        "created": rec["created"],
        "currency": rec["currency"],
        "interval": rec["interval"],
        "interval_count": rec["interval_count"],
        "livemode": False,
        "metadata": {},
        "meter": None,
        "nickname": rec.get("nickname"),
        "product": rec["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": None,
        "usage_type": rec.get("usage_type", "licensed"),
    }


def subscription_item(acct: AccountData, sub: dict, item: dict) -> dict:
    pr = acct.prices.get(item["price"])
    return {
        "id": item["id"],
        "object": "subscription_item",
        "billing_thresholds": None,
        "created": item["created"],
        "current_period_end": sub["current_period_end"],
        "current_period_start": sub["current_period_start"],
        "discounts": [],
        "metadata": {},
        "plan": plan(pr),
        "price": price(pr),
        "quantity": item["quantity"],
        "subscription": sub["id"],
        "tax_rates": [],
    }


def subscription(acct: AccountData, rec: dict) -> dict:
    items = [subscription_item(acct, rec, it) for it in rec["items"]]
    return {
        "id": rec["id"],
        "object": "subscription",
        "application": None,
        "application_fee_percent": None,
        "automatic_tax": {"enabled": False, "liability": None, "disabled_reason": None},
        "billing_cycle_anchor": rec["billing_cycle_anchor"],
        "billing_cycle_anchor_config": None,
        "billing_mode": {"flexible": None, "type": "classic"},
        "billing_schedules": [],
        "billing_thresholds": None,
        "cancel_at": rec.get("cancel_at"),
        "cancel_at_period_end": rec.get("cancel_at_period_end", False),
        "canceled_at": rec.get("canceled_at"),
        "cancellation_details": {
            "comment": None,
            "feedback": rec.get("cancel_feedback"),
            "reason": rec.get("cancel_reason") or ("cancellation_requested" if rec.get("canceled_at") else None),
        },
        "collection_method": rec.get("collection_method", "charge_automatically"),
        "created": rec["created"],
        "currency": rec["currency"],
        "customer": rec["customer"],
        "customer_account": None,
        "days_until_due": rec.get("days_until_due"),
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": None,
        "discounts": [d["id"] for d in discounts_of(rec)],
        "ended_at": rec.get("ended_at"),
        "invoice_settings": {
            "account_tax_ids": None,
            "custom_fields": None,
            "description": None,
            "footer": None,
            "issuer": {"type": "self"},
        },
        "items": {
            "object": "list",
            "data": items,
            "has_more": False,
            "total_count": len(items),
            "url": f"/v1/subscription_items?subscription={rec['id']}",
        },
        "latest_invoice": rec.get("latest_invoice"),
        "livemode": False,
        "managed_payments": None,
        "metadata": dict(rec.get("metadata") or {}),
        "next_pending_invoice_item_invoice": None,
        "on_behalf_of": None,
        "pause_collection": None,
        "payment_settings": {
            "payment_method_options": None,
            "payment_method_types": None,
            "save_default_payment_method": "off",
        },
        "pending_invoice_item_interval": None,
        "pending_setup_intent": None,
        "pending_update": None,
        "presentment_details": None,
        "schedule": None,
        "start_date": rec["start_date"],
        "status": rec["status"],
        "test_clock": None,
        "transfer_data": None,
        "trial_end": rec.get("trial_end"),
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": rec.get("trial_start"),
    }


def line_item(inv: dict, line: dict) -> dict:
    sub_item = line.get("subscription_item")
    return {
        "id": line["id"],
        "object": "line_item",
        "amount": line["amount"],
        "currency": inv["currency"],
        "description": line["description"],
        "discount_amounts": [],
        "discountable": True,
        "discounts": [],
        "invoice": inv["id"],
        "livemode": False,
        "metadata": {},
        "parent": (
            {
                "type": "subscription_item_details",
                "invoice_item_details": None,
                "subscription_item_details": {
                    "invoice_item": None,
                    "proration": False,
                    "proration_details": {"credited_items": None},
                    "subscription": inv.get("subscription"),
                    "subscription_item": sub_item,
                },
            }
            if sub_item
            else {
                "type": "invoice_item_details",
                "subscription_item_details": None,
                "invoice_item_details": {
                    "invoice_item": "ii_" + line["id"][3:],
                    "proration": False,
                    "proration_details": {"credited_items": None},
                    "subscription": None,
                },
            }
        ),
        "period": {"start": line["period_start"], "end": line["period_end"]},
        "pretax_credit_amounts": [],
        "pricing": {
            "type": "price_details",
            "price_details": {"price": line.get("price"), "product": None},
            "unit_amount_decimal": str(line["amount"] // max(line["quantity"], 1)),
        },
        "quantity": line["quantity"],
        "quantity_decimal": str(line["quantity"]),
        "subscription": inv.get("subscription") if sub_item else None,
        "subtotal": line["amount"],
        "taxes": [],
    }


def invoice_lines(inv: dict) -> list[dict]:
    return [line_item(inv, line) for line in inv["lines"]]


def invoice(acct: AccountData, rec: dict) -> dict:
    lines = rec["lines"]
    shown = [line_item(rec, line) for line in lines[:LINES_INLINE]]
    cust = acct.customers.get(rec["customer"]) or {}
    st = rec["status"]
    disc_amount = rec.get("discount_amount", 0)
    sub_id = rec.get("subscription")
    return {
        "id": rec["id"],
        "object": "invoice",
        "account_country": acct.account["country"],
        "account_name": acct.account["name"],
        "account_tax_ids": None,
        "amount_due": rec["amount_due"],
        "amount_overpaid": 0,
        "amount_paid": rec["amount_paid"],
        "amount_remaining": rec["amount_remaining"],
        "amount_shipping": 0,
        "application": None,
        "attempt_count": rec.get("attempt_count", 0),
        "attempted": rec.get("attempted", rec.get("attempt_count", 0) > 0),
        "auto_advance": st == "open",
        "automatic_tax": {
            "enabled": False,
            "liability": None,
            "status": None,
            "disabled_reason": None,
            "provider": None,
        },
        "automatically_finalizes_at": None,
        "billing_reason": rec.get("billing_reason", "manual"),
        "collection_method": rec.get("collection_method", "charge_automatically"),
        "created": rec["created"],
        "currency": rec["currency"],
        "custom_fields": None,
        "customer": rec["customer"],
        "customer_account": None,
        "customer_address": _address(cust.get("country")),
        "customer_email": rec.get("customer_email"),
        "customer_name": rec.get("customer_name"),
        "customer_phone": None,
        "customer_shipping": None,
        "customer_tax_exempt": "none",
        "customer_tax_ids": [],
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": None,
        "discounts": [rec["discount_id"]] if rec.get("discount_id") else [],
        "due_date": rec.get("due_date"),
        "effective_at": rec.get("finalized_at"),
        "ending_balance": 0 if st != "draft" else None,
        "footer": None,
        "from_invoice": None,
        "hosted_invoice_url": f"https://invoice.stripe.com/i/{acct.account['id']}/{rec['id']}",
        "invoice_pdf": f"https://pay.stripe.com/invoice/{acct.account['id']}/{rec['id']}/pdf",
        "issuer": {"type": "self"},
        "last_finalization_error": None,
        "latest_revision": None,
        "lines": {
            "object": "list",
            "data": shown,
            "has_more": len(lines) > LINES_INLINE,
            "total_count": len(lines),
            "url": f"/v1/invoices/{rec['id']}/lines",
        },
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": rec.get("next_payment_attempt"),
        "number": rec.get("number"),
        "on_behalf_of": None,
        "parent": (
            {
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {"metadata": {}, "subscription": sub_id},
            }
            if sub_id
            else None
        ),
        "payment_settings": {"default_mandate": None, "payment_method_options": None, "payment_method_types": None},
        "period_end": rec["period_end"],
        "period_start": rec["period_start"],
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": None,
        "rendering": None,
        "shipping_cost": None,
        "shipping_details": None,
        "starting_balance": 0,
        "statement_descriptor": None,
        "status": st,
        "status_transitions": {
            "finalized_at": rec.get("finalized_at"),
            "marked_uncollectible_at": rec.get("uncollectible_at"),
            "paid_at": rec.get("paid_at"),
            "voided_at": rec.get("voided_at"),
        },
        "subtotal": rec["subtotal"],
        "subtotal_excluding_tax": rec["subtotal"],
        "test_clock": None,
        "total": rec["total"],
        "total_discount_amounts": (
            [{"amount": disc_amount, "discount": rec.get("discount_id")}] if disc_amount else []
        ),
        "total_excluding_tax": rec["total"] - (rec.get("tax") or 0),
        "total_pretax_credit_amounts": [],
        "total_taxes": (
            [
                {
                    "amount": rec["tax"],
                    "tax_behavior": "exclusive",
                    "tax_rate_details": None,
                    "taxability_reason": "standard_rated",
                    "taxable_amount": rec["subtotal"] - disc_amount,
                    "type": "tax_rate_details",
                }
            ]
            if rec.get("tax")
            else []
        ),
        "webhooks_delivered_at": rec.get("finalized_at"),
    }


def refund(rec: dict) -> dict:
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
        "status": "succeeded",
        "transfer_reversal": None,
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
            "address": _address(None),
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


def event(acct: AccountData, rec: dict, connect_account: str | None = None) -> dict:
    """An event; ``account`` only when delivered to a Connect endpoint (``connect_account``), as Stripe does.

    Listed or retrieved through /v1/events with ``Stripe-Account`` it carries no account, so nothing can rely on it.
    """
    obj = rec["object"]
    if obj is None and rec.get("lazy"):
        obj = render_any(acct, *rec["lazy"])
    data: dict[str, Any] = {"object": obj}
    if rec.get("previous"):
        data["previous_attributes"] = rec["previous"]
    out = {
        "id": rec["id"],
        "object": "event",
        "api_version": API_VERSION,
        "context": None,
        "created": rec["created"],
        "data": data,
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": None, "idempotency_key": None},
        "type": rec["type"],
    }
    if connect_account:
        out["account"] = connect_account
    return out


def webhook_endpoint(rec: dict, with_secret: bool = False) -> dict:
    out = {
        "id": rec["id"],
        "object": "webhook_endpoint",
        "api_version": None,
        "application": None,
        "created": rec["created"],
        "description": rec.get("description"),
        "enabled_events": rec["enabled_events"],
        "livemode": False,
        "metadata": {},
        "status": "enabled",
        "url": rec["url"],
    }
    if with_secret:
        out["secret"] = rec["secret"]
    return out


def render_any(acct: AccountData, name: str, rec: dict) -> dict:
    """Render a record of collection ``name`` (used for expansion)."""
    if name == "customers":
        return customer(acct, rec)
    if name == "subscriptions":
        return subscription(acct, rec)
    if name == "invoices":
        return invoice(acct, rec)
    if name == "charges":
        return charge(acct, rec)
    if name == "refunds":
        return refund(rec)
    if name == "prices":
        return price(rec)
    if name == "products":
        return product(rec)
    if name == "events":
        return event(acct, rec)
    if name == "coupons":
        return coupon(rec)
    if name == "discounts":
        return discount(rec)
    if name in ("payment_intents", "payment_methods", "setup_intents"):
        from . import render_payments

        return getattr(render_payments, name[:-1])(rec)
    if name == "payouts":
        from .render_connect import payout

        return payout(rec)
    raise KeyError(name)
