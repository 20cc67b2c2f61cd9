"""The billing page renders every plan from the plans module, and the support address from settings."""

from app.settings import get_settings
from app.workspaces import plans
from app.workspaces.services import set_plan
from tests.conftest import login


async def test_it_shows_each_plans_label_price_and_bullets_from_the_plans_module(client, alice):
    await login(client, alice)
    page = (await client.get("/dashboard/billing")).text
    for terms in plans.PLANS.values():
        card = page.split(f'data-testid="plan-{terms.id.value}"')[1].split("</section>")[0]
        assert f"<h3>{terms.label}</h3>" in card and terms.price in card
        assert all(f"<li>{line}</li>" in card for line in terms.bullets)


async def test_an_owner_on_free_is_offered_each_paid_plan_at_its_monthly_price(client, alice):
    await login(client, alice)
    page = (await client.get("/dashboard/billing")).text
    for terms in plans.PLANS.values():
        card = page.split(f'data-testid="plan-{terms.id.value}"')[1].split("</section>")[0]
        offered = f'data-testid="choose-{terms.id.value}"' in card
        assert offered == (terms.monthly_usd > 0), terms.label
        if offered:
            assert f"{terms.monthly_price}, paid on Stripe" in card and f'value="{terms.id.value}"' in card


async def test_a_plan_without_a_stripe_price_sends_the_owner_to_the_support_address_from_settings(
    client, alice, monkeypatch
):
    monkeypatch.setenv("STRIPE_PRICE_AGENCY", "-")
    get_settings.cache_clear()
    try:
        await login(client, alice)
        agency = (await client.get("/dashboard/billing")).text.split('data-testid="plan-agency"')[1]
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    address = get_settings().support_email
    assert f'href="mailto:{address}">{address}</a>' in agency.split("</section>")[0]
    assert "choose-agency" not in agency.split("</section>")[0]


async def test_a_paid_plan_counts_clients_without_a_limit_and_marks_its_card(client, alice):
    await set_plan(alice.workspace.id, "pro")
    await login(client, alice)
    page = (await client.get("/dashboard/billing")).text
    assert "Current plan: Pro" in page and "0 active clients." in page and "clients used" not in page
    assert 'plan--current" data-testid="plan-pro"' in page


async def test_a_teammate_is_told_only_owners_change_the_plan(client, alice, bob):
    await login(client, bob)
    page = (await client.get("/dashboard/billing")).text
    assert "Only owners can change the plan." in page and "mailto:" not in page
