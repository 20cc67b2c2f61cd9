"""Who sees the Stripe card's Connect button: owners on the Agency plan only."""

from app.workspaces.services import set_plan
from tests.conftest import login

CONNECT = 'data-testid="connect-stripe"'


async def test_below_agency_the_card_has_no_connect_button_and_points_to_billing(client, alice):
    for plan in ("free", "pro"):
        await set_plan(alice.workspace.id, plan)
        await login(client, alice)
        page = await client.get("/dashboard/integrations")
        assert page.status_code == 200
        gate = page.text.split('data-testid="plan-gate"')[1].split("</div>")[0]
        assert "Stripe Connect is only available on the Agency plan" in gate
        assert 'href="/dashboard/billing"' in gate
        assert CONNECT not in page.text


async def test_an_owner_on_agency_sees_the_connect_button(client, alice):
    await set_plan(alice.workspace.id, "agency")
    await login(client, alice)
    page = await client.get("/dashboard/integrations")
    assert CONNECT in page.text and 'data-testid="plan-gate"' not in page.text


async def test_a_teammate_on_agency_sees_no_connect_button_but_an_owner_only_note(client, alice, bob):
    await set_plan(alice.workspace.id, "agency")
    await login(client, bob)
    page = await client.get("/dashboard/integrations")
    assert page.status_code == 200
    assert CONNECT not in page.text and 'data-testid="plan-gate"' not in page.text
    assert 'data-testid="owner-only">Only a workspace owner can connect Stripe.' in page.text
