"""Manage Stripe Connect on the Auto Billing tab: the payout account is made at Stripe; onboarding round-trips."""

from __future__ import annotations

import httpx
import pytest

from app.auto_billing.tables import PayoutAccount
from app.integrations.tables import StripeConnection
from app.workspaces.services import set_plan
from tests.conftest import login, post_form
from tests.integration.auto_billing_support import (
    CONNECT,
    DASHBOARD,
    EMAIL,
    REFRESH,
    RETURN,
    TAB,
    leave_onboarding,
    manage,
    panel_of,
    path_of,
    stored,
)


@pytest.fixture(name="owner")
async def fx_owner(client, alice, stripe_standin):
    """Alice, owner on the Agency plan, signed in, with the app talking to the stand-in."""
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await login(client, alice)
    return alice


async def test_manage_stripe_connect_creates_an_express_account_with_the_email_and_sends_the_owner_to_onboarding(
    client, owner, stripe_standin
):
    location = await manage(client)
    account = await stored(owner.workspace.id)
    assert account.stripe_account_id.startswith("acct_") and account.email == EMAIL
    at_stripe = stripe_standin.sdk().v1.accounts.retrieve(account.stripe_account_id)
    assert at_stripe.type == "express" and at_stripe.email == EMAIL
    assert location.startswith(f"{stripe_standin.base_url}/setup/s/{account.stripe_account_id}/")
    link = [r for r in stripe_standin.requests(method="POST") if r["path"] == "/v1/account_links"]
    assert len(link) == 1
    assert not account.details_submitted and not account.payouts_enabled, "Stripe's answer to the create is stored"


async def test_the_payout_account_is_not_the_read_only_stripe_connection(client, owner):
    await manage(client)
    assert await StripeConnection.count() == 0
    page = await client.get(TAB)
    assert "It is separate from the read-only Stripe connection on the Integrations page." in page.text
    assert "Make sure your Stripe account is verified and active to avoid interruptions in payouts." in page.text


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter an email address."),
        ("not-an-email", "is not a valid email address."),
        ("a" * 300 + "@x.test", "can't be longer than 254 characters"),
    ],
)
async def test_a_bad_email_gets_a_clear_message_and_nothing_is_created(client, owner, stripe_standin, email, message):
    response = await post_form(client, CONNECT, {"email": email}, follow_redirects=False)
    assert response.status_code == 422
    assert message in response.text.replace("&#39;", "'")
    assert await PayoutAccount.count() == 0
    assert not [r for r in stripe_standin.requests(method="POST") if r["path"] == "/v1/accounts"]


async def test_a_hostile_email_is_shown_escaped_in_the_form(client, owner):
    response = await post_form(client, CONNECT, {"email": '"><script>alert(1)</script>'}, follow_redirects=False)
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


async def test_the_return_url_refetches_from_stripe_and_shows_the_half_done_onboarding(client, owner, stripe_standin):
    back = leave_onboarding(await manage(client), "later")
    assert path_of(back) == RETURN
    stripe_standin.clear_requests()
    response = await client.get(RETURN, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == TAB
    account = await stored(owner.workspace.id)
    fetched = [r["path"] for r in stripe_standin.requests(method="GET")]
    assert f"/v1/accounts/{account.stripe_account_id}" in fetched and "/v1/payouts" in fetched
    panel = panel_of((await client.get(TAB)).text)
    assert 'data-state="onboarding_incomplete"' in panel and "Onboarding incomplete" in panel
    for missing in ("a bank account for payouts", "the last 4 digits of your Social Security number"):
        assert missing in panel.replace("&#39;", "'")


async def test_a_forged_return_without_stripes_state_changes_nothing(client, owner, stripe_standin):
    await manage(client)  # onboarding never finished at Stripe
    before = await stored(owner.workspace.id)
    response = await client.get(RETURN + "?status=complete&details_submitted=true", follow_redirects=False)
    assert response.status_code == 303
    after = await stored(owner.workspace.id)
    shown = ("details_submitted", "charges_enabled", "payouts_enabled", "requirements", "disabled_reason", "updated_at")
    assert {k: getattr(after, k) for k in shown} == {k: getattr(before, k) for k in shown}
    assert 'data-state="onboarding_incomplete"' in (await client.get(TAB)).text


async def test_the_refresh_url_mints_a_fresh_onboarding_link(client, owner, stripe_standin):
    first = await manage(client)
    leave_onboarding(first, "later")
    # A used link sends the browser to refresh_url, as Stripe does.
    spent = httpx.get(first, follow_redirects=False)
    assert spent.status_code == 303 and path_of(spent.headers["location"]) == REFRESH
    response = await client.get(REFRESH, follow_redirects=False)
    assert response.status_code == 303
    fresh = response.headers["location"]
    assert fresh != first and fresh.startswith(f"{stripe_standin.base_url}/setup/s/")
    assert path_of(leave_onboarding(fresh, "finish")) == RETURN


async def test_later_clicks_go_back_to_onboarding_while_stripe_needs_information(client, owner, stripe_standin):
    leave_onboarding(await manage(client), "later")
    again = await manage(client, email="")  # the email is only asked for the first time
    assert "/setup/s/" in again
    assert await PayoutAccount.count() == 1
    creates = [r for r in stripe_standin.requests(method="POST") if r["path"] == "/v1/accounts"]
    assert len(creates) == 1, "one account, however many clicks"


async def test_once_onboarding_is_done_a_click_opens_the_express_dashboard_through_a_login_link(
    client, owner, stripe_standin
):
    leave_onboarding(await manage(client), "finish")
    account = await stored(owner.workspace.id)
    location = await manage(client, email="")
    assert location.startswith(f"{stripe_standin.base_url}/express/{account.stripe_account_id}/")
    dashboard = await client.get(DASHBOARD, follow_redirects=False)
    assert dashboard.status_code == 303 and "/express/" in dashboard.headers["location"]


async def test_when_stripe_refuses_the_owner_sees_a_connection_error_and_nothing_is_stored(
    client, owner, stripe_standin
):
    stripe_standin.set_faults(fail_next=1, fail_path="/v1/accounts", fail_status=500)
    response = await post_form(client, CONNECT, {"email": EMAIL}, follow_redirects=False)
    assert response.status_code == 502
    assert "Stripe didn't answer for your payout account" in response.text.replace("&#39;", "'")
    assert await PayoutAccount.count() == 0


async def test_another_workspaces_owner_never_sees_or_reaches_alices_payout_account(client, owner, charlie):
    await manage(client)
    account = await stored(owner.workspace.id)
    await set_plan(charlie.workspace.id, "agency")
    client.cookies.clear()
    await login(client, charlie)
    page = await client.get(TAB)
    assert page.status_code == 200 and account.stripe_account_id not in page.text
    assert 'data-state="not_connected"' in page.text
    for path in (REFRESH, RETURN, DASHBOARD):
        assert (await client.get(path, follow_redirects=False)).status_code == 404


async def test_the_tab_sets_the_cost_per_credit_under_the_payout_status_as_the_guide_orders_them(client, owner):
    await post_form(client, "/dashboard/auto-billing/pricing", {"cost_per_credit": "0.003"})

    html = (await client.get(TAB)).text

    assert html.index('data-testid="payout-status"') < html.index('data-testid="credit-pricing"')
    assert "$10 = 2,500 credits" in html
