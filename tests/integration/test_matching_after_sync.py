"""Against the stand-in: a real backfill, then matching, the summary card's X and Y, and manual mappings that
survive a re-sync and a disconnect/reconnect of the same account."""

from __future__ import annotations

import pytest

from app.clients.services import ClientInput, create_client
from app.integrations.tables import StripeConnection
from app.stripe_data.freemail import is_free_mail
from app.stripe_data.matching import rematch
from app.stripe_data.tables import CustomerMatch
from app.summary.services import summary_card
from app.workspaces.services import Actor, set_plan
from tests.conftest import login, post_form
from tests.integration.sync_support import backfill, link
from tests.plugins.standin import NORTHWIND_DIGITAL


@pytest.fixture(name="ws")
async def fx_ws(alice, stripe_standin) -> int:
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    return alice.workspace.id


async def test_a_synced_account_is_matched_and_manual_mappings_survive_resync_and_reconnect(
    client, alice, ws, stripe_standin
):
    customers = stripe_standin.objects(NORTHWIND_DIGITAL, "customers", limit=100_000)
    invoices = stripe_standin.objects(NORTHWIND_DIGITAL, "invoices", limit=100_000)
    with_email = [c for c in customers if c.get("email")]
    chosen = {c["email"].lower() for c in with_email[:3]}
    actor = Actor(user=alice.user, workspace=alice.workspace, role=alice.role)
    for number, email in enumerate(sorted(chosen)):
        await create_client(actor, ClientInput(name=f"Client {number}", emails=[email]))
    other = await create_client(actor, ClientInput(name="Hand Mapped"))

    run = await backfill(ws, NORTHWIND_DIGITAL)
    assert run.status == "done", run.error
    await rematch(ws, NORTHWIND_DIGITAL)

    by_customer_email = {c["id"]: (c.get("email") or "").lower() for c in customers}
    expected_y = sum(
        1
        for inv in invoices
        if by_customer_email.get(inv["customer"]) in chosen or (inv.get("customer_email") or "").lower() in chosen
    )
    card = await summary_card(ws)
    assert (card.invoices, card.matched_invoices) == (len(invoices), expected_y)
    await login(client, alice)
    page = await client.get("/dashboard/integrations")
    assert f"We found {len(invoices):,} invoices, matched {expected_y:,} to clients" in page.text

    free = [c for c in customers if c.get("email") and is_free_mail(c["email"].rpartition("@")[2])]
    for customer in free:  # free-mail customers never auto-match by domain
        row = await CustomerMatch.objects().where(CustomerMatch.customer_id == customer["id"]).first()
        assert row.client is None or row.method == "email"

    unmatched = next(c for c in customers if (c.get("email") or "").lower() not in chosen)
    response = await post_form(
        client, f"/dashboard/integrations/stripe/unmatched/{unmatched['id']}/map", {"client": f"#{other.id}"}, htmx=True
    )
    assert response.status_code == 200

    await backfill(ws, NORTHWIND_DIGITAL)  # re-sync
    await rematch(ws, NORTHWIND_DIGITAL)
    await StripeConnection.update({StripeConnection.status: "disconnected"}).where(StripeConnection.workspace == ws)
    await link(stripe_standin, ws, NORTHWIND_DIGITAL)  # reconnect the same account
    await backfill(ws, NORTHWIND_DIGITAL)
    await rematch(ws, NORTHWIND_DIGITAL)
    row = await CustomerMatch.objects().where(CustomerMatch.customer_id == unmatched["id"]).first()
    assert (row.client, row.method) == (other.id, "manual")
