"""Checkout in payment mode: one-off purchases, usually on a connected account with the platform's fee.

A session has at most one PaymentIntent, made at the first attempt to pay and reused by later attempts (a
declined card leaves it ``requires_payment_method``). With ``setup_future_usage`` or ``customer_creation=always``
a customer is created at the first attempt, so a card can be saved for off-session use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import checkout, payments
from .render_checkout import checkout_session
from .store import AccountData
from .wire import StripeError, as_list, parse_int

if TYPE_CHECKING:
    from .server import StandinApp


def line_items(params: dict) -> list[dict]:
    """``line_items[i][price_data]`` (currency, unit_amount, product_data[name]) and ``quantity``."""
    items = []
    for i, raw in enumerate(as_list(params.get("line_items"))):
        data = raw.get("price_data") if isinstance(raw, dict) else None
        if not isinstance(data, dict):
            raise StripeError(
                400,
                f"Missing required param: line_items[{i}][price_data] (the stand-in sells ad-hoc prices in "
                "payment mode).",
                code="parameter_missing",
                param=f"line_items[{i}][price_data]",
            )
        name = (data.get("product_data") or {}).get("name")
        if not name:
            raise StripeError(
                400,
                f"Missing required param: line_items[{i}][price_data][product_data][name].",
                code="parameter_missing",
                param=f"line_items[{i}][price_data][product_data][name]",
            )
        if not data.get("currency"):
            raise StripeError(
                400,
                f"Missing required param: line_items[{i}][price_data][currency].",
                code="parameter_missing",
                param=f"line_items[{i}][price_data][currency]",
            )
        items.append(
            {
                "price": None,
                "name": name,
                "unit_amount": parse_int(data.get("unit_amount"), f"line_items[{i}][price_data][unit_amount]"),
                "currency": str(data.get("currency") or "").lower(),
                "quantity": parse_int(raw.get("quantity", 1), f"line_items[{i}][quantity]"),
            }
        )
    if not items:
        raise StripeError(400, "Missing required param: line_items.", code="parameter_missing", param="line_items")
    if len({it["currency"] for it in items}) > 1:
        raise StripeError(400, "All line items must use the same currency.", param="line_items")
    return items


def payment_options(params: dict, platform: bool) -> dict:
    data = params.get("payment_intent_data") or {}
    fee = data.get("application_fee_amount")
    if fee is not None and platform:
        raise StripeError(
            400,
            "payment_intent_data[application_fee_amount] can only be used on a connected account "
            "(the Stripe-Account header) or with transfer_data.",
            param="payment_intent_data[application_fee_amount]",
        )
    usage = data.get("setup_future_usage") or None
    if usage not in (None, "off_session", "on_session"):
        raise StripeError(400, f"Invalid setup_future_usage: {usage}", param="payment_intent_data[setup_future_usage]")
    creation = params.get("customer_creation") or None
    if creation not in (None, "always", "if_required"):
        raise StripeError(400, f"Invalid customer_creation: {creation}", param="customer_creation")
    return {
        "customer_creation": creation or ("if_required" if not params.get("customer") else None),
        "pi_data": {
            "application_fee_amount": parse_int(fee, "payment_intent_data[application_fee_amount]")
            if fee is not None
            else None,
            "setup_future_usage": usage,
            "metadata": dict(data.get("metadata") or {}),
            "description": data.get("description"),
        },
        "payment_intent": None,
    }


def _customer_for(app: StandinApp, acct: AccountData, sess: dict, email: str, name: str | None) -> str | None:
    if sess.get("customer"):
        return sess["customer"]
    if sess.get("customer_creation") == "always" or sess["pi_data"]["setup_future_usage"]:
        cust = checkout._customer(app, acct, sess, email, name)
        sess["customer"] = cust["id"]
        return cust["id"]
    return None


def attempt(app: StandinApp, acct: AccountData, sess: dict, email: str, name: str | None, number: str) -> dict:
    """Pay the session with a card: the PaymentIntent, succeeded or ``requires_action``; or ``PaymentFailed``."""
    sess.update(customer_details_email=email, customer_details_name=name or None)
    customer = _customer_for(app, acct, sess, email, name)
    pi = acct.payment_intents.get(sess.get("payment_intent") or "")
    if pi is None:
        data = sess["pi_data"]
        pi = payments.new_payment_intent(
            app,
            acct,
            amount=sess["amount_total"],
            currency=sess["currency"],
            customer=customer,
            application=None if acct.account["id"] == "acct_1StandinPlatform" else app.store.client_id,
            application_fee_amount=data["application_fee_amount"],
            setup_future_usage=data["setup_future_usage"],
            metadata=dict(data["metadata"]),
            description=data["description"],
        )
        sess["payment_intent"] = pi["id"]
    pm = payments.create_payment_method(app, acct, number, name, email)
    pi = payments.confirm(app, acct, pi, pm, off_session=False)
    if pi["status"] == "succeeded":
        complete(app, acct, sess)
    return pi


def authenticate(app: StandinApp, acct: AccountData, sess: dict, passed: bool) -> dict:
    pi = payments.authenticate(app, acct, acct.payment_intents.get(sess["payment_intent"]), passed)
    complete(app, acct, sess)
    return pi


def complete(app: StandinApp, acct: AccountData, sess: dict) -> None:
    sess.update(status="complete", payment_status="no_payment_required" if sess["mode"] == "setup" else "paid")
    app.emit(acct, "checkout.session.completed", None, None, obj=checkout_session(sess))


_HEX = "0123456789abcdefABCDEF"
BORDER_STYLES = ("pill", "rectangular", "rounded")


def branding(params: dict, default_name: str) -> dict:
    """``branding_settings``: what the hosted page shows instead of the account's own branding."""
    raw = params.get("branding_settings") or {}
    out = {
        "background_color": raw.get("background_color") or "#ffffff",
        "border_style": raw.get("border_style") or "rounded",
        "button_color": raw.get("button_color") or "#0074d4",
        "display_name": raw.get("display_name") or default_name,
        "font_family": raw.get("font_family") or "default",
        "icon": _image(raw, "icon"),
        "logo": _image(raw, "logo"),
    }
    for key in ("background_color", "button_color"):
        value = out[key]
        if len(value) != 7 or value[0] != "#" or any(ch not in _HEX for ch in value[1:]):
            raise StripeError(400, f"Invalid hex color: {value}", param=f"branding_settings[{key}]")
    if out["border_style"] not in BORDER_STYLES:
        raise StripeError(400, f"Invalid border_style: {out['border_style']}", param="branding_settings[border_style]")
    return out


def _image(raw: dict, key: str) -> dict | None:
    image = raw.get(key)
    if not image:
        return None
    url = image.get("url") if isinstance(image, dict) else None
    if not url or not str(url).startswith(("https://", "http://")):
        raise StripeError(
            400, f"branding_settings[{key}][url] must be an http(s) URL.", param=f"branding_settings[{key}]"
        )
    return {"file": None, "type": "url", "url": url}
