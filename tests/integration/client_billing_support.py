"""Client billing page tests' shared steps: an agency ready to sell credits, a client with a live link, the page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.auto_billing.tables import PayoutAccount
from app.client_billing import links
from app.clients.tables import Client
from app.credit_pricing.services import set_cost_per_credit
from app.workspaces.services import set_plan
from tests import factories as f
from tests.conftest import Persona
from tests.integration.auto_billing_support import payout_account_at_stripe

BRANDING = "/dashboard/auto-billing/branding"


@dataclass
class Shop:
    """Alice's agency selling credits at the guide's price (0.001 + 0.003), and one client's live billing link."""

    owner: Persona
    client: Client
    token: str
    account_id: str

    @property
    def url(self) -> str:
        return f"/b/{self.token}"


async def agency_on_agency_plan(persona: Persona) -> Persona:
    persona.workspace = await set_plan(persona.workspace.id, "agency")
    return persona


async def ready_shop(alice: Persona, standin, client_name: str = "Acme Rockets", charges: bool = True) -> Shop:
    """The payout account exists at the stand-in (onboarded) and takes charges; the guide's price is set."""
    owner = await agency_on_agency_plan(alice)
    payout = await payout_account_at_stripe(standin, owner.workspace.id)
    if charges:
        standin.action("onboard", account=payout.stripe_account_id, outcome="finish")
        await PayoutAccount.update({PayoutAccount.charges_enabled: True}).where(PayoutAccount.id == payout.id)
    await set_cost_per_credit(owner.actor, "0.003")
    client = await f.client(owner.workspace.id, client_name, emails=("ap@acme.test",))
    token = await links.create(owner.actor, client.id)
    return Shop(owner=owner, client=client, token=token, account_id=payout.stripe_account_id)


def hidden(html: str, name: str) -> str:
    """The value of the first hidden input called `name` in the page."""
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name} in the page"
    return found.group(1)
