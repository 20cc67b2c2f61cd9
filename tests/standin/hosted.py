"""Helpers for the stand-in's Connect and Checkout tests: the platform's raw API and a person on the hosted pages."""

from __future__ import annotations

import re

import httpx

from tests.plugins.standin import Standin

CAPABILITIES = {"card_payments": {"requested": True}, "transfers": {"requested": True}}
AGENCY_PRICE = "price_ClientPulseAgencyMonthly"
PRO_PRICE = "price_ClientPulseProMonthly"


def api(standin: Standin, method: str, path: str, stripe_account: str | None = None, **data) -> httpx.Response:
    """A raw call with the platform key (form-encoded like the SDK), for shapes and errors as sent."""
    headers = {"Authorization": f"Bearer {standin.secret_key}"}
    if stripe_account:
        headers["Stripe-Account"] = stripe_account
    if method == "GET":
        return httpx.get(f"{standin.base_url}{path}", headers=headers, params=data)
    return httpx.request(method, f"{standin.base_url}{path}", headers=headers, data=data)


def express_account(standin: Standin, email: str = "owner@agency.test"):
    """A new Express account created by the platform, through the SDK."""
    return standin.sdk().v1.accounts.create(
        params={"type": "express", "email": email, "country": "US", "capabilities": CAPABILITIES}
    )


def onboarding_link(standin: Standin, account: str, link_type: str = "account_onboarding"):
    return standin.sdk().v1.account_links.create(
        params={
            "account": account,
            "type": link_type,
            "refresh_url": "http://127.0.0.1:9/auto-billing/refresh",
            "return_url": "http://127.0.0.1:9/auto-billing/return",
        }
    )


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name} in the page"
    return found.group(1)


def onboard(url: str, outcome: str, **fields) -> httpx.Response:
    """Open the onboarding page as a browser would, then press the button for ``outcome``."""
    with httpx.Client() as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        form = {"session": hidden(page.text, "session"), "outcome": outcome, "business_type": "individual", **fields}
        return browser.post(url, data=form)


def checkout_session(standin: Standin, price: str = AGENCY_PRICE, **params):
    body = {
        "mode": "subscription",
        "line_items": [{"price": price, "quantity": 1}],
        "success_url": "http://127.0.0.1:9/billing/done?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://127.0.0.1:9/billing",
        "client_reference_id": "workspace-7",
        "metadata": {"workspace": "7"},
        **params,
    }
    if "customer" not in body:
        body.setdefault("customer_email", "owner@agency.test")
    return standin.sdk().v1.checkout.sessions.create(params=body)


def pay(url: str, card: str, **fields) -> httpx.Response:
    """Fill the hosted Checkout page's card form and press Subscribe."""
    with httpx.Client() as browser:
        assert browser.get(url).status_code == 200
        return browser.post(url, data={"card_number": card, "expiry": "12 / 34", "cvc": "123", **fields})
