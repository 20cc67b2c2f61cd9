"""Buying credits on the billing page: what a pack costs and buys, and the Checkout Session that sells it.

A purchase is a Checkout Session (payment mode) on the agency's payout account, written exactly as issue 14's
Checkout metadata contract says, because the webhook crediting reads it back from Stripe: the same `clientpulse_*`
metadata on the session and its PaymentIntent, the platform's share as `application_fee_amount`, the card kept for
off-session recharges. Nothing here credits: only the verified webhook does. The browser's return is only told
whether Stripe says the session was paid, so the page can say so and wait for the credits.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

import stripe

from app.auto_billing.tables import PayoutAccount
from app.client_billing import stripe_api
from app.client_billing.branding import Brand
from app.clients.tables import ClientEmail
from app.core.errors import DomainError, ValidationFailed
from app.credit_pricing import rules
from app.credit_pricing.rules import credits_per_pack
from app.credit_pricing.services import CreditPricing, current_price
from app.credits import ledger, purchases
from app.credits.settings import MAX_USD, MIN_USD
from app.credits.tables import CreditAccount, EntryKind
from app.workspaces import plans

log = logging.getLogger(__name__)

_ATTEMPT = re.compile(r"[0-9a-f]{32}")
_SESSION_ID = re.compile(r"cs_[A-Za-z0-9_]{1,200}")


class PurchaseFailed(DomainError):
    """Stripe didn't take the request; nothing was bought. The message is for the client."""


class ShopClosed(PurchaseFailed):
    """The agency can't sell right now (no payout account taking charges, no Auto Billing, an unsellable price)."""


@dataclass(frozen=True)
class Offer:
    """What `usd` dollars buy now: the credits, what is charged and the platform's share (cents)."""

    usd: int
    credits: int
    pricing: CreditPricing

    @property
    def amount_minor(self) -> int:
        return self.usd * 100

    @property
    def fee_minor(self) -> int:
        """The platform's share: its price per credit times the credits, in cents, half up, never above the sale."""
        return rules.application_fee_minor(self.pricing.platform_price, self.credits, self.amount_minor)


@dataclass(frozen=True)
class Shop:
    """Whether the client can buy now, and at what price; `account_id` is the agency's payout account."""

    pricing: CreditPricing
    account_id: str | None

    @property
    def open(self) -> bool:
        return self.account_id is not None and self.pricing.sellable


async def shop(workspace: dict[str, Any]) -> Shop:
    """Open only when the plan has Auto Billing, the payout account takes charges and the price is sellable."""
    pricing = await current_price(workspace["id"])
    payout = (
        await PayoutAccount.select(PayoutAccount.stripe_account_id, PayoutAccount.charges_enabled)
        .where(PayoutAccount.workspace == workspace["id"])
        .first()
    )
    takes_charges = payout is not None and payout["charges_enabled"]
    allowed = plans.allows(workspace["plan"], plans.Feature.auto_billing)
    return Shop(pricing=pricing, account_id=payout["stripe_account_id"] if takes_charges and allowed else None)


def parse_usd(raw: str | None) -> int:
    """Whole dollars from MIN_USD to MAX_USD (the custom amount's limits); ValidationFailed on "usd" otherwise."""
    text = (raw or "").strip().replace(",", "").removeprefix("$").strip()
    message = f"Enter a whole number of dollars from ${MIN_USD:,} to ${MAX_USD:,}."
    if not text.isdigit() or len(text) > 7:
        raise ValidationFailed({"usd": message}, message=message)
    usd = int(text)
    if not MIN_USD <= usd <= MAX_USD:
        raise ValidationFailed({"usd": message}, message=message)
    return usd


def offer(usd: int, pricing: CreditPricing) -> Offer:
    return Offer(usd=usd, credits=credits_per_pack(usd, pricing.final_price), pricing=pricing)


def metadata(workspace_id: int, client_id: int, deal: Offer) -> dict[str, str]:
    """The contract's metadata, written on both the session and its PaymentIntent."""
    prices = ledger.price_fields(deal.pricing.final_price, deal.pricing.platform_price, deal.pricing.cost_per_credit)
    return purchases.order_metadata(EntryKind.purchase, workspace_id, client_id, deal.credits, prices)


async def _call(function, *args: Any) -> dict[str, Any]:
    try:
        return await asyncio.to_thread(function, *args)
    except stripe.StripeError as exc:
        log.warning("stripe refused %s: %s %s", function.__name__, type(exc).__name__, getattr(exc, "code", ""))
        raise PurchaseFailed("The payment page couldn't be opened just now. Try again in a moment.") from exc


async def _customer(workspace_id: int, client: dict[str, Any], account_id: str) -> str:
    """The client's customer on the agency's account, made at the first purchase and kept on its CreditAccount."""
    account = await ledger.account(workspace_id, client["id"])
    if account["stripe_customer_id"]:
        return account["stripe_customer_id"]
    key = f"customer-{account_id}-{workspace_id}-{client['id']}"
    params: dict[str, Any] = {"name": client["name"], "metadata": {"clientpulse_client": str(client["id"])}}
    # The client's first contact email, so Stripe's receipts reach them and Checkout doesn't ask for it.
    contact = (
        await ClientEmail.select(ClientEmail.email)
        .where((ClientEmail.client == client["id"]) & (ClientEmail.workspace == workspace_id))
        .order_by(ClientEmail.id)
        .first()
    )
    if contact:
        params["email"] = contact["email"]
    customer = await _call(stripe_api.create_customer, account_id, params, key)
    # Only where none is saved yet: a racing first purchase got the same customer from the idempotency key anyway.
    await CreditAccount.update({CreditAccount.stripe_customer_id: customer["id"]}).where(
        (CreditAccount.client == client["id"])
        & (CreditAccount.workspace == workspace_id)
        & (CreditAccount.stripe_customer_id == "")
    )
    return (await ledger.account(workspace_id, client["id"]))["stripe_customer_id"]


def _branding_settings(brand: Brand) -> dict[str, Any]:
    settings: dict[str, Any] = {"display_name": brand.display_name, "button_color": brand.brand_color}
    if brand.logo_url:
        settings["logo"] = {"type": "url", "url": brand.logo_url}
    return settings


async def start_checkout(
    opened_workspace: dict[str, Any],
    client: dict[str, Any],
    brand: Brand,
    raw_usd: str | None,
    attempt: str,
    success_url: str,
    cancel_url: str,
) -> str:
    """A Checkout Session for `raw_usd` dollars of credits; returns its URL.

    `attempt` names the page's purchase attempt: a double submit sends the same one, so Stripe's idempotency key
    gives back the first session instead of making a second.

    Raises:
        ValidationFailed: not whole dollars within the limits.
        PurchaseFailed: the shop is closed, or Stripe refused.
    """
    usd = parse_usd(raw_usd)
    current = await shop(opened_workspace)
    if not current.open or current.account_id is None:
        raise ShopClosed("Buying credits is unavailable right now.")
    deal = offer(usd, current.pricing)
    workspace_id = opened_workspace["id"]
    customer = await _customer(workspace_id, client, current.account_id)
    tags = metadata(workspace_id, client["id"], deal)
    params = {
        "mode": "payment",
        "customer": customer,
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "usd",
                    "unit_amount": deal.amount_minor,
                    "product_data": {"name": f"{deal.credits:,} credits"},
                },
            }
        ],
        "payment_intent_data": {
            "application_fee_amount": deal.fee_minor,
            "setup_future_usage": "off_session",
            "metadata": tags,
        },
        "metadata": tags,
        "branding_settings": _branding_settings(brand),
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    attempt = attempt if _ATTEMPT.fullmatch(attempt or "") else hashlib.sha256(repr(params).encode()).hexdigest()[:32]
    key = f"purchase-{workspace_id}-{client['id']}-{attempt}-{usd}"
    session = await _call(stripe_api.create_checkout_session, current.account_id, params, key)
    return str(session["url"])


async def paid_session(workspace: dict[str, Any], client_id: int, session_id: str) -> str | None:
    """The PaymentIntent id when `session_id` is a paid purchase session of this client, else None.

    Only for what the page says after Checkout; it never credits. A forged, foreign or unpaid session, or Stripe
    not answering, reads as None.
    """
    if not _SESSION_ID.fullmatch(session_id or ""):
        return None
    payout = (
        await PayoutAccount.select(PayoutAccount.stripe_account_id)
        .where(PayoutAccount.workspace == workspace["id"])
        .first()
    )
    if payout is None:
        return None
    try:
        session = await _call(stripe_api.retrieve_checkout_session, payout["stripe_account_id"], session_id)
    except PurchaseFailed:
        return None
    tags = session.get("metadata") or {}
    mine = tags.get("clientpulse_client") == str(client_id) and tags.get("clientpulse_workspace") == str(
        workspace["id"]
    )
    if not mine or session.get("payment_status") != "paid":
        return None
    intent = session.get("payment_intent")
    return intent.get("id") if isinstance(intent, dict) else intent
