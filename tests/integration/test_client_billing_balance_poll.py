"""The billing page's balance poll after Checkout: it never says the credits arrived beside a balance without them."""

from __future__ import annotations

from app.client_billing import links, page
from app.credits import ledger
from app.credits.tables import EntryKind
from tests import factories as f
from tests.integration.client_billing_support import agency_on_agency_plan

PAYMENT_INTENT = "pi_landing_mid_poll"


async def test_a_purchase_credited_while_the_poll_reads_shows_its_credits_with_the_arrival(client, alice, monkeypatch):
    owner = await agency_on_agency_plan(alice)
    acme = await f.client(owner.workspace.id, "Acme Rockets")
    token = await links.create(owner.actor, acme.id)
    real_credited = page.credited

    async def webhook_lands_now(opened, payment_intent):
        # The worker commits the purchase's credit between the poll's reads (seen on PostgreSQL in the e2e journey).
        await ledger.append(owner.workspace.id, acme.id, EntryKind.purchase, 2500, dedupe_key=f"pi:{payment_intent}")
        return await real_credited(opened, payment_intent)

    monkeypatch.setattr(page, "credited", webhook_lands_now)

    poll = await client.get(f"/b/{token}/balance?pi={PAYMENT_INTENT}", headers={"HX-Request": "true"})

    assert poll.status_code == 200
    assert "Your credits have arrived." in poll.text and "hx-trigger" not in poll.text
    assert "2,500 credits" in poll.text
