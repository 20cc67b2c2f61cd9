"""Render internal records as Stripe JSON objects, in the shape of the API version the SDK pins.

Every expandable field is rendered as an id; ``expansion.py`` swaps in objects when ``expand[]`` asks.
"""

from __future__ import annotations

from typing import Any

from stripe._api_version import _ApiVersion

# Accounts, invoices, charges and refunds render in modules of their own. They are named here too: callers ask this
# module for any object, and render_any dispatches to them.
from .render_charges import charge, refund
from .render_connect import account  # noqa: F401
from .render_invoices import invoice, invoice_lines, line_item  # noqa: F401
from .render_shared import address
from .store import AccountData

# The SDK sends this version on every request; following it means an SDK upgrade moves the stand-in too.
API_VERSION = _ApiVersion.CURRENT


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
        "address": address(rec.get("country")),
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
