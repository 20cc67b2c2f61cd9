"""Connecting a workspace's Stripe account through Stripe Connect OAuth (against the stand-in)."""

from urllib.parse import quote, urlparse

import pytest

from app.integrations.tables import OAuthState, StripeConnection
from app.settings import get_settings
from app.workspaces.services import set_plan
from tests.conftest import login, make_persona, post_form
from tests.integration.conftest import CALLBACK, consent, finish_connect, start_connect
from tests.plugins.standin import NORTHWIND_DIGITAL, NORTHWIND_LABS


@pytest.fixture(name="agency_owner")
async def fx_agency_owner(alice):
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    return alice


async def test_connect_sends_the_owner_to_stripe_with_read_write_scope_and_a_state(
    client, agency_owner, stripe_standin
):
    await login(client, agency_owner)
    url = urlparse(await start_connect(client))
    assert url.path == "/oauth/authorize"
    for part in (
        "client_id=ca_",
        "scope=read_write",
        "response_type=code",
        "state=",
        # Built from BASE_URL and the route's name, never from the request's Host header.
        "redirect_uri=" + quote(get_settings().base_url + CALLBACK, safe=""),
    ):
        assert part in url.query
    assert await OAuthState.count() == 1


async def test_the_chosen_account_is_stored_with_encrypted_tokens(client, agency_owner, stripe_standin):
    await login(client, agency_owner)
    back = consent(await start_connect(client), NORTHWIND_LABS)
    response = await finish_connect(client, back)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/integrations?connected=stripe"
    page = await client.get(response.headers["location"])
    assert "Connected" in page.text and NORTHWIND_LABS in page.text and "Northwind Labs" in page.text
    row = await StripeConnection.objects().first()
    assert row.stripe_account_id == NORTHWIND_LABS and row.status == "connected"
    assert row.access_token_enc and "sk_" not in row.access_token_enc and "rt_" not in row.refresh_token_enc
    assert "sk_" not in page.text


async def test_denied_consent_shows_the_denial_and_stores_nothing(client, agency_owner, stripe_standin):
    await login(client, agency_owner)
    back = consent(await start_connect(client), None, deny=True)
    assert back["error"] == "access_denied"
    response = await finish_connect(client, back)
    assert response.status_code == 400
    assert "declined on Stripe" in response.text
    assert await StripeConnection.count() == 0


async def test_a_reused_state_is_refused(client, agency_owner, stripe_standin):
    await login(client, agency_owner)
    url = await start_connect(client)
    back = consent(url, NORTHWIND_DIGITAL)
    assert (await finish_connect(client, back)).status_code == 303
    await post_form(client, "/dashboard/integrations/stripe/disconnect")
    again = consent(url, NORTHWIND_LABS)
    response = await finish_connect(client, again)
    assert response.status_code == 400 and "expired or was already used" in response.text
    assert await StripeConnection.count().where(StripeConnection.status == "connected") == 0


@pytest.mark.parametrize("state", ["", "forged-state"])
async def test_a_missing_or_forged_state_is_refused(client, agency_owner, stripe_standin, state):
    await login(client, agency_owner)
    back = consent(await start_connect(client), NORTHWIND_DIGITAL)
    response = await finish_connect(client, {**back, "state": state})
    assert response.status_code == 400 and "expired or was already used" in response.text
    assert await StripeConnection.count() == 0


async def test_another_workspaces_state_is_refused(app, client, agency_owner, charlie, stripe_standin):
    await set_plan(charlie.workspace.id, "agency")
    charlie.workspace.plan = "agency"
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app) as charlie_client:
        await login(charlie_client, charlie)
        back = consent(await start_connect(charlie_client), NORTHWIND_DIGITAL)
    await login(client, agency_owner)
    response = await finish_connect(client, back)
    assert response.status_code == 400
    assert await StripeConnection.count() == 0


async def test_a_failed_code_exchange_is_explained(client, agency_owner, stripe_standin):
    await login(client, agency_owner)
    back = consent(await start_connect(client), NORTHWIND_DIGITAL)
    response = await finish_connect(client, {**back, "code": "ac_not_a_real_code"})
    assert response.status_code == 400 and "accept the connection" in response.text
    assert await StripeConnection.count() == 0


async def test_an_account_linked_to_another_workspace_is_refused(app, client, agency_owner, stripe_standin):
    other = await make_persona("olga@other.agency", "Other Agency", plan="agency")
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app) as other_client:
        await login(other_client, other)
        assert (
            await finish_connect(other_client, consent(await start_connect(other_client), NORTHWIND_DIGITAL))
        ).status_code == 303
    await login(client, agency_owner)
    response = await finish_connect(client, consent(await start_connect(client), NORTHWIND_DIGITAL))
    assert response.status_code == 409 and "already connected to another ClientPulse workspace" in response.text
    assert await StripeConnection.count().where(StripeConnection.workspace == agency_owner.workspace.id) == 0


async def test_a_second_connect_while_connected_is_refused(client, agency_owner, stripe_standin):
    await login(client, agency_owner)
    await finish_connect(client, consent(await start_connect(client), NORTHWIND_DIGITAL))
    response = await post_form(client, "/dashboard/integrations/stripe/connect", follow_redirects=False)
    assert response.status_code == 409 and "Disconnect it first" in response.text


async def test_lower_plans_get_the_agency_plan_error_even_on_crafted_requests(client, alice, stripe_standin):
    await login(client, alice)
    for response in (
        await post_form(client, "/dashboard/integrations/stripe/connect", follow_redirects=False),
        await client.get(CALLBACK, params={"code": "ac_x", "state": "y"}),
    ):
        assert response.status_code == 403
        assert "Stripe Connect is only available on the Agency plan" in response.text
        assert 'href="/dashboard/billing"' in response.text
    assert await OAuthState.count() == 0


async def test_a_teammate_cannot_connect_or_disconnect(client, agency_owner, bob, stripe_standin):
    await login(client, bob)
    response = await post_form(client, "/dashboard/integrations/stripe/connect", follow_redirects=False)
    assert response.status_code == 403 and "Only a workspace owner can connect Stripe" in response.text
    response = await post_form(client, "/dashboard/integrations/stripe/disconnect", htmx=True)
    assert response.status_code == 403 and "HX-Trigger" in response.headers
