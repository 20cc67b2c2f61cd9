"""An agency owner sets up payouts on the Auto Billing tab, as the Auto Billing guide describes."""

from playwright.async_api import Page, expect

from app.auto_billing.tables import PayoutAccount
from app.demo import seed_demo
from tests.e2e.pages import AutoBillingPage, LoginPage

EMAIL = "payouts@northwind.test"


async def _owner_on_auto_billing(page: Page) -> AutoBillingPage:
    await seed_demo()
    await (await LoginPage(page).open()).log_in("owner@demo.test", "demo-password")
    await expect(page.get_by_test_id("workspace-menu")).to_contain_text("Northwind Digital")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Auto Billing").click()
    tab = AutoBillingPage(page)
    await expect(tab.state).to_have_text("Not connected")
    return tab


async def test_the_owner_leaves_onboarding_half_done_then_finishes_and_a_failed_payout_shows_its_reason(
    page: Page, stripe_for_server
):
    tab = await _owner_on_auto_billing(page)

    # Step 2: enter the email, Manage Stripe Connect, leave onboarding half done.
    onboarding = await tab.manage_stripe_connect(EMAIL)
    assert "/setup/s/acct_" in page.url
    await onboarding.save_for_later()
    await expect(page).to_have_url("/dashboard/auto-billing")
    await expect(tab.state).to_have_text("Onboarding incomplete")
    await expect(tab.missing).to_contain_text("a bank account for payouts")
    await expect(tab.missing).to_contain_text("accepting Stripe's terms of service")
    await expect(tab.payouts_enabled).to_contain_text("Payouts disabled.")

    # Step 3: a later click goes back to onboarding (Stripe still needs information); finish it.
    onboarding = await tab.manage_stripe_connect()
    await onboarding.finish()
    await expect(page).to_have_url("/dashboard/auto-billing")
    await expect(tab.state).to_have_text("Active")
    await expect(tab.payouts_enabled).to_contain_text("Payouts enabled.")
    await expect(tab.charges_enabled).to_contain_text("Charges enabled.")

    # Step 5: a payout fails at Stripe; its webhook reaches the app and the panel refreshes itself (HTMX poll).
    account = await PayoutAccount.objects().first()
    stripe_for_server.action("set_balance", account=account.stripe_account_id, available=25_000, currency="usd")
    payout = stripe_for_server.action("create_payout", account=account.stripe_account_id, amount=20_000)
    payout_id = payout["event"]["data"]["object"]["id"]
    stripe_for_server.action(
        "fail_payout", account=account.stripe_account_id, payout=payout_id, failure_code="account_closed"
    )
    failed = tab.payout_rows.filter(has_text="Failed")
    await expect(failed).to_contain_text("$200.00")
    await expect(failed).to_contain_text("The bank account has been closed.")
    await expect(tab.payouts_enabled).to_contain_text("Payouts disabled.")
    await expect(tab.payout_delays).to_contain_text("Payout Delays")
    await expect(tab.payout_delays).to_contain_text(
        "Check if Stripe requires additional verification or if there are issues with your linked bank account."
    )
    await expect(tab.payout_delays.get_by_role("link", name="Open your Stripe dashboard")).to_be_visible()
