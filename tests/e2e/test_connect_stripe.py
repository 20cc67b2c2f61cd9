"""An agency owner connects their Stripe account, as the setup guide describes."""

from playwright.async_api import Page, expect

from app.demo import seed_demo
from tests.e2e.pages import IntegrationsPage, LoginPage
from tests.plugins.standin import NORTHWIND_DIGITAL, NORTHWIND_LABS


async def _owner_on_integrations(page: Page) -> IntegrationsPage:
    await seed_demo()
    await (await LoginPage(page).open()).log_in("owner@demo.test", "demo-password")
    await expect(page.get_by_test_id("workspace-menu")).to_contain_text("Northwind Digital")
    return await IntegrationsPage(page).open()


async def test_the_owner_picks_the_second_account_connects_disconnects_and_connects_another(
    page: Page, stripe_for_server
):
    integrations = await _owner_on_integrations(page)
    await expect(integrations.status).to_have_text("Not connected")

    consent = await integrations.connect_stripe()
    assert "/oauth/authorize" in page.url and "scope=read_write" in page.url
    await consent.pick_account("Northwind Labs Ltd")
    await consent.connect()

    await expect(page).to_have_url("/dashboard/integrations?connected=stripe")
    await expect(integrations.status).to_have_text("Connected")
    await expect(page.get_by_test_id("stripe-account-name")).to_have_text("Northwind Labs Ltd")
    await expect(page.get_by_test_id("stripe-account-id")).to_have_text(NORTHWIND_LABS)
    await expect(page.get_by_test_id("connected-banner")).to_be_visible()

    await integrations.disconnect()
    await expect(integrations.status).to_have_text("Disconnected")
    await expect(page.get_by_test_id("disconnected-reason")).to_contain_text("Data already pulled is kept")

    consent = await integrations.connect_stripe()
    await consent.pick_account("Northwind Digital")
    await consent.connect()
    await expect(page.get_by_test_id("stripe-account-id")).to_have_text(NORTHWIND_DIGITAL)


async def test_denying_consent_says_so_and_leaves_stripe_unconnected(page: Page, stripe_for_server):
    integrations = await _owner_on_integrations(page)
    consent = await integrations.connect_stripe()
    await consent.deny()
    await expect(page.get_by_test_id("connect-error")).to_contain_text("declined on Stripe's page")
    await expect(integrations.status).not_to_have_text("Connected")


async def test_revoking_from_stripes_side_flips_the_card_with_the_reason(page: Page, stripe_for_server):
    integrations = await _owner_on_integrations(page)
    consent = await integrations.connect_stripe()
    await consent.pick_account("Northwind Digital")
    await consent.connect()
    await expect(integrations.status).to_have_text("Connected")

    stripe_for_server.action("deauthorize", account=NORTHWIND_DIGITAL)
    # The webhook travels stand-in → server → worker; reload until the card shows it.
    await _reload_until_status(page, "Disconnected")
    await expect(page.get_by_test_id("disconnected-reason")).to_contain_text("revoked from Stripe")


async def _reload_until_status(page: Page, wanted: str, attempts: int = 15) -> None:
    for _ in range(attempts):
        await page.reload()
        try:
            await expect(page.get_by_test_id("stripe-status")).to_have_text(wanted, timeout=1_000)
            return
        except AssertionError:
            continue
    await expect(page.get_by_test_id("stripe-status")).to_have_text(wanted)
