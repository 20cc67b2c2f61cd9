"""Checkout Sessions (subscription mode) and Customer Portal sessions in the pinned version's shape."""

from __future__ import annotations

from .render_shared import address


def _customer_details(rec: dict) -> dict | None:
    if rec["status"] != "complete":
        return None
    return {
        "address": address(),
        "business_name": None,
        "email": rec.get("customer_details_email"),
        "individual_name": None,
        "name": rec.get("customer_details_name"),
        "phone": None,
        "tax_exempt": "none",
        "tax_ids": [],
    }


def _branding(rec: dict) -> dict | None:
    brand = rec.get("branding")
    if brand is None:
        return None
    return {
        **brand,
        "icon": dict(brand["icon"]) if brand["icon"] else None,
        "logo": dict(brand["logo"]) if brand["logo"] else None,
    }


def checkout_session(rec: dict) -> dict:
    complete = rec["status"] == "complete"
    return {
        "id": rec["id"],
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": rec["amount_subtotal"],
        "amount_total": rec["amount_total"],
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": None,
        "branding_settings": _branding(rec),
        "cancel_url": rec.get("cancel_url"),
        "client_reference_id": rec.get("client_reference_id"),
        "client_secret": None,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": rec["created"],
        "currency": rec["currency"],
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": rec.get("customer"),
        "customer_account": None,
        "customer_creation": rec.get("customer_creation"),  # payment mode only
        "customer_details": _customer_details(rec),
        "customer_email": rec.get("customer_email"),
        "discounts": [],
        "expires_at": rec["expires_at"],
        "integration_identifier": None,
        "invoice": rec.get("invoice"),
        "invoice_creation": None,  # payment mode only
        "livemode": False,
        "locale": None,
        "managed_payments": None,
        "metadata": dict(rec.get("metadata") or {}),
        "mode": rec["mode"],
        "origin_context": None,
        "payment_intent": rec.get("payment_intent"),  # subscription mode pays through the first invoice
        "payment_link": None,
        "payment_method_collection": "always",
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "payment_status": "no_payment_required" if rec["mode"] == "setup" else ("paid" if complete else "unpaid"),
        "permissions": None,
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "saved_payment_method_options": {
            "allow_redisplay_filters": ["always"],
            "payment_method_remove": None,
            "payment_method_save": None,
        },
        "setup_intent": rec.get("setup_intent"),
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": rec["status"],
        "submit_type": None,
        "subscription": rec.get("subscription"),
        "success_url": rec.get("success_url"),
        "tax_id_collection": {"enabled": False, "required": "never"},
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": rec["url"] if rec["status"] == "open" else None,
        "wallet_options": None,
    }


def portal_session(rec: dict) -> dict:
    return {
        "id": rec["id"],
        "object": "billing_portal.session",
        "configuration": "bpc_1StandinDefaultPortal",
        "created": rec["created"],
        "customer": rec["customer"],
        "customer_account": None,
        "flow": None,
        "livemode": False,
        "locale": None,
        "on_behalf_of": None,
        "return_url": rec.get("return_url"),
        "url": rec["url"],
    }
