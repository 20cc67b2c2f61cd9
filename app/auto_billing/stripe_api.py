"""The platform's calls for payout accounts, through the app's one Stripe seam (`platform_client`).

These act as ClientPulse's platform on Express accounts it created: create one, send its owner to Stripe's
onboarding or Express dashboard, and read the account and its payouts. Nothing here touches the read-only
connection of the Integrations page. Every function blocks (the SDK's sync client): call them in a thread.
Each returns Stripe's objects as plain dicts, or raises `stripe.StripeError`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from app.integrations.stripe_client import platform_client

PAYOUTS_SHOWN = 5


def create_express_account(workspace_id: int, email: str) -> dict[str, Any]:
    """A new Express account with the owner's email prefilled.

    The idempotency key makes a double click (two requests racing past "no account yet") one account at Stripe.
    """
    key = hashlib.sha256(f"{workspace_id}:{email}".encode()).hexdigest()[:32]
    account = platform_client().v1.accounts.create(
        params={
            "type": "express",
            "email": email,
            "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
            "metadata": {"clientpulse_workspace": str(workspace_id)},
        },
        options={"idempotency_key": f"clientpulse-payout-account-{key}"},
    )
    return account.to_dict()


def onboarding_link(account_id: str, refresh_url: str, return_url: str) -> str:
    """A single-use link to Stripe's hosted onboarding, asking for whatever is still due.

    `account_onboarding` also for later visits: Stripe refuses `account_update` links for Express accounts.
    """
    link = platform_client().v1.account_links.create(
        params={
            "account": account_id,
            "type": "account_onboarding",
            "refresh_url": refresh_url,
            "return_url": return_url,
        }
    )
    return link.url


def login_link(account_id: str) -> str:
    """A link that signs the owner into the account's Express dashboard."""
    return platform_client().v1.accounts.login_links.create(account_id).url


def retrieve_account(account_id: str) -> dict[str, Any]:
    return platform_client().v1.accounts.retrieve(account_id).to_dict()


def latest_payouts(account_id: str, limit: int = PAYOUTS_SHOWN) -> list[dict[str, Any]]:
    """The account's newest payouts, read as the account (Stripe-Account)."""
    page = platform_client().v1.payouts.list(params={"limit": limit}, options={"stripe_account": account_id})
    return [payout.to_dict() for payout in page.data]
