"""Paying for ClientPulse: a Checkout Session for a paid plan, the Customer Portal, and what the billing page shows.

Nothing here changes a workspace's plan: only Stripe's verified webhooks do (`app.billing.events`), so a person who
comes back from Checkout, or forges the way back, sees a note at most. Every call goes to the platform's own Stripe
account through the one seam (`app.integrations.stripe_client.platform_account`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any

import stripe

from app.billing.tables import PlanSubscription
from app.core.errors import Conflict, DomainError, ValidationFailed
from app.integrations.stripe_client import platform_account
from app.settings import get_settings
from app.workspaces import plans
from app.workspaces.plans import Plan
from app.workspaces.services import Actor

log = logging.getLogger(__name__)

# A subscription in these states still pays (or is being retried): buying another would charge twice.
LIVE_STATUSES = frozenset({"active", "trialing", "past_due"})
_SESSION_ID = re.compile(r"cs_[A-Za-z0-9_]{1,250}")


class BillingUnavailable(DomainError):
    """Stripe could not be asked, or its answer cannot be sold on; `message` says what to do."""


def sellable_plans() -> list[plans.PlanTerms]:
    """The paid plans with a Stripe price configured, cheapest first."""
    settings = get_settings()
    return [t for t in plans.PLANS.values() if t.monthly_usd > 0 and settings.stripe_price(t.id.value)]


def plan_for_price(price_id: str) -> Plan | None:
    """The plan a Stripe price sells (None: a price we don't sell, so the plan is left alone)."""
    for plan, price in get_settings().stripe_prices:
        if price and price == price_id:
            return Plan(plan)
    return None


async def subscription_of(workspace_id: int) -> PlanSubscription | None:
    return await PlanSubscription.objects().where(PlanSubscription.workspace == workspace_id).first()


def _check_price(terms: plans.PlanTerms, price: dict[str, Any]) -> None:
    """Refuse to sell at any price but the one the page shows (a misconfigured STRIPE_PRICE_* is caught here)."""
    recurring = price.get("recurring") or {}
    shown = (terms.monthly_usd * 100, "usd", "month", 1)
    at_stripe = (
        price.get("unit_amount"),
        price.get("currency"),
        recurring.get("interval"),
        recurring.get("interval_count"),
    )
    if at_stripe != shown or not price.get("active", True):
        log.error("stripe price %s sells %s, the %s plan shows %s", price.get("id"), at_stripe, terms.label, shown)
        raise BillingUnavailable(
            f"The {terms.label} plan can't be bought online right now: its Stripe price isn't {terms.monthly_price}. "
            f"Email {get_settings().support_email} and we'll sort it out."
        )


async def _call(method: str, path: str, **params: Any) -> dict[str, Any]:
    account = platform_account()
    call = account.post if method == "post" else account.get
    try:
        return await asyncio.to_thread(call, path, **params)
    except stripe.StripeError as exc:
        log.warning("stripe refused %s %s: %s", method.upper(), path, type(exc).__name__)
        raise BillingUnavailable("Stripe didn't answer as expected. Try again in a moment.") from exc


async def fetch_subscription(subscription_id: str) -> dict[str, Any]:
    """A platform subscription as Stripe has it now (raises BillingUnavailable when Stripe fails)."""
    return await _call("get", f"/v1/subscriptions/{subscription_id}")


async def start_checkout(actor: Actor, plan_id: str, success_url: str, cancel_url: str) -> str:
    """A Checkout Session for `plan_id` on the platform account; returns the URL to send the owner to.

    Raises:
        PermissionDenied: not an owner.
        ValidationFailed: not a plan sold through Checkout.
        Conflict: the workspace already pays through a live subscription (the Portal manages it).
        BillingUnavailable: Stripe failed, or its price differs from the one shown.
    """
    actor.require_owner("change the plan")
    terms = next((t for t in sellable_plans() if t.id.value == plan_id), None)
    if terms is None:
        names = " or ".join(t.label for t in sellable_plans())
        raise ValidationFailed({"plan": f"Choose {names}."}, message="Choose a plan to buy.")
    row = await subscription_of(actor.workspace_id)
    if row is not None and row.status in LIVE_STATUSES:
        raise Conflict("This workspace already pays for a plan. Use Manage subscription to change or cancel it.")
    price_id = get_settings().stripe_price(terms.id.value)
    _check_price(terms, await _call("get", f"/v1/prices/{price_id}"))
    workspace = str(actor.workspace_id)
    params: dict[str, Any] = {
        "mode": "subscription",
        "line_items": [{"price": price_id, "quantity": 1}],
        "success_url": success_url,
        "cancel_url": cancel_url,
        # How the webhook finds the workspace: the session names it, and so does the subscription it creates.
        "client_reference_id": workspace,
        "metadata": {"workspace_id": workspace},
        "subscription_data": {"metadata": {"workspace_id": workspace}},
    }
    if row is not None and row.stripe_customer_id:
        params["customer"] = row.stripe_customer_id  # one Stripe customer per workspace, whatever it buys
    else:
        params["customer_email"] = actor.user.email
    session = await _call("post", "/v1/checkout/sessions", **params)
    return str(session["url"])


async def open_portal(actor: Actor, return_url: str) -> str:
    """A Customer Portal session for the workspace's Stripe customer; returns its URL.

    Raises:
        PermissionDenied: not an owner.
        Conflict: the workspace has never paid through Stripe.
        BillingUnavailable: Stripe failed.
    """
    actor.require_owner("manage the subscription")
    row = await subscription_of(actor.workspace_id)
    if row is None or not row.stripe_customer_id:
        names = " or ".join(t.label for t in sellable_plans())
        raise Conflict(f"There's no subscription to manage yet: choose {names} first.")
    session = await _call("post", "/v1/billing_portal/sessions", customer=row.stripe_customer_id, return_url=return_url)
    return str(session["url"])


@dataclass(frozen=True)
class CheckoutReturn:
    """What the billing page says after Checkout: only about a paid session of this workspace."""

    session_id: str
    confirmed: bool  # Stripe's webhook has landed for the subscription the session created


async def checkout_return(actor: Actor, session_id: str) -> CheckoutReturn | None:
    """Whether `?checkout=` names a completed session of this workspace, and if its webhook has landed yet.

    None for anything else (a forged, foreign or unpaid session, or Stripe not answering): the page then says
    nothing about a payment. Never changes the plan.
    """
    if not _SESSION_ID.fullmatch(session_id or ""):
        return None
    try:
        session = await _call("get", f"/v1/checkout/sessions/{session_id}")
    except BillingUnavailable:
        return None
    if session.get("client_reference_id") != str(actor.workspace_id) or session.get("status") != "complete":
        return None
    subscription = session.get("subscription")
    subscription_id = subscription.get("id") if isinstance(subscription, dict) else subscription
    row = await subscription_of(actor.workspace_id)
    # "incomplete" is the create event's state, before the first payment: the plan only moves when it's paid.
    landed = row is not None and row.stripe_subscription_id == subscription_id and row.status not in ("", "incomplete")
    return CheckoutReturn(session_id=session_id, confirmed=landed)
