"""Render invoices and their lines as Stripe JSON objects, in the shape of the API version the SDK pins."""

from __future__ import annotations

from .render_shared import LINES_INLINE, address
from .store import AccountData


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
        "customer_address": address(cust.get("country")),
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
