"""The Integrations page and the Stripe card's plan gate."""

from app.workspaces.services import set_plan
from tests.conftest import login


async def test_below_agency_the_card_explains_the_plan_and_links_to_billing(client, alice):
    await login(client, alice)
    page = await client.get("/dashboard/integrations")
    assert page.status_code == 200
    assert "Stripe Connect is only available on the Agency plan" in page.text
    assert 'href="/dashboard/billing"' in page.text
    assert "Not connected" in page.text


async def test_on_agency_the_card_has_no_plan_gate(client, alice):
    await set_plan(alice.workspace.id, "agency")
    await login(client, alice)
    page = await client.get("/dashboard/integrations")
    assert "only available on the Agency plan" not in page.text


async def test_the_card_endpoint_returns_a_fragment_for_htmx_and_a_page_otherwise(client, alice):
    await login(client, alice)
    fragment = await client.get("/dashboard/integrations/stripe/card", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'data-testid="stripe-card"' in fragment.text
    page = await client.get("/dashboard/integrations/stripe/card")
    assert "<html" in page.text and 'data-testid="stripe-card"' in page.text
    assert fragment.headers["vary"] == "HX-Request"


async def test_billing_shows_the_current_plan(client, alice):
    await login(client, alice)
    page = await client.get("/dashboard/billing")
    assert "Current plan: Free" in page.text
    assert "0 of 3 clients used" in page.text
