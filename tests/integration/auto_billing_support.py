"""Auto Billing tests' shared steps: click Manage Stripe Connect, go through Stripe's onboarding, deliver events."""

from __future__ import annotations

import json
from urllib.parse import urlparse

from app.auto_billing.tables import PayoutAccount
from app.core.timeutil import utcnow
from app.integrations.tables import StripeEvent
from tests.conftest import post_form
from tests.integration.conftest import signed
from tests.standin.hosted import onboard

TAB = "/dashboard/auto-billing"
CONNECT = f"{TAB}/connect"
CHECK = f"{TAB}/check"
STATUS = f"{TAB}/status"
REFRESH = f"{TAB}/onboarding/refresh"
RETURN = f"{TAB}/onboarding/return"
DASHBOARD = f"{TAB}/stripe-dashboard"
EMAIL = "payouts@alice-agency.com"


async def manage(client, email: str = EMAIL) -> str:
    """Click Manage Stripe Connect; returns where the app sent the browser (a page of Stripe's)."""
    response = await post_form(client, CONNECT, {"email": email}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def stored(workspace_id: int) -> PayoutAccount:
    account = await PayoutAccount.objects().where(PayoutAccount.workspace == workspace_id).first()
    assert account is not None, "the workspace should have a payout account"
    return account


def leave_onboarding(url: str, outcome: str) -> str:
    """Press a button on Stripe's onboarding page ("finish", "later", "review"); returns where Stripe sends back."""
    response = onboard(url, outcome)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def path_of(url: str) -> str:
    parsed = urlparse(url)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def as_connect_endpoint(event: dict, account: str) -> dict:
    """The event as Stripe sends it to a Connect webhook endpoint: with the connected account's id."""
    return {**event, "account": account}


async def deliver(client, event: dict) -> dict:
    """POST the event to the webhook, signed as Stripe signs it; the (inline) task has processed it on return."""
    payload, headers = signed(event)
    response = await client.post("/billing/stripe/webhook", content=payload, headers=headers)
    assert response.status_code == 200, response.text
    row = await StripeEvent.objects().where(StripeEvent.event_id == event["id"]).first()
    assert row is not None and row.processed_at is not None, "the event should be stored and processed"
    return response.json()


def panel_of(html: str) -> str:
    """The Payout Status panel's HTML within a page or fragment."""
    start = html.index('id="payout-status"')
    return html[start : html.index("</section>", start)]


def requirements_of(account: PayoutAccount) -> dict:
    return json.loads(account.requirements)


async def payout_account_at_stripe(standin, workspace_id: int, email: str = EMAIL) -> PayoutAccount:
    """A payout account made directly at the stand-in and stored, as Manage Stripe Connect's first click leaves it."""
    created = standin.sdk().v1.accounts.create(params={"type": "express", "email": email})
    now = utcnow()
    account = PayoutAccount(
        workspace=workspace_id, stripe_account_id=created.id, email=email, created_at=now, updated_at=now
    )
    await account.save()
    return account
