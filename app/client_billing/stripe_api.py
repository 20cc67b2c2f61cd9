"""The billing page's calls to Stripe, made as the agency's payout account (`Stripe-Account`) through the platform.

Direct charges: the customer, the Checkout Session and its PaymentIntent live on the agency's account, and the
platform's share is the PaymentIntent's application fee. Every function blocks (the SDK's sync client): call them
in a thread. Each returns Stripe's object as a plain dict, or raises `stripe.StripeError`.
"""

from __future__ import annotations

from typing import Any

from app.integrations.stripe_client import platform_client


def create_customer(account_id: str, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    """A customer on the agency's account; the key makes two racing first purchases one customer."""
    customer = platform_client().v1.customers.create(
        params=params, options={"stripe_account": account_id, "idempotency_key": idempotency_key}
    )
    return customer.to_dict()


def create_checkout_session(account_id: str, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    """A Checkout Session on the agency's account; the same key and parameters give back the same session."""
    session = platform_client().v1.checkout.sessions.create(
        params=params, options={"stripe_account": account_id, "idempotency_key": idempotency_key}
    )
    return session.to_dict()


def retrieve_checkout_session(account_id: str, session_id: str) -> dict[str, Any]:
    return platform_client().v1.checkout.sessions.retrieve(session_id, options={"stripe_account": account_id}).to_dict()
