"""Issue 14, acceptance 1-2: an owner brands the billing page and sends a client its link; the client buys $10."""

import re

from playwright.async_api import Browser, Page, expect

from app.demo import seed_demo
from tests.e2e.pages import (
    AutoBillingPage,
    BillingLinkSection,
    BrandingPanel,
    ClientBillingPage,
    CreditPricingPage,
    LoginPage,
)

AGENCY = "Northwind Studio"
LOGO = "https://northwind.test/logo.png"
SUPPORT = "billing@northwind.test"


async def _owner_sets_up_auto_billing(page: Page) -> None:
    await seed_demo()
    await (await LoginPage(page).open()).log_in("owner@demo.test", "demo-password")
    await expect(page.get_by_test_id("workspace-menu")).to_contain_text("Northwind Digital")
    tab = await AutoBillingPage(page).open()
    onboarding = await tab.manage_stripe_connect("payouts@northwind.test")
    await onboarding.finish()
    await expect(tab.state).to_have_text("Active")
    pricing = await CreditPricingPage(page).open()
    await pricing.type_cost("0.003")
    await pricing.save_with_enter()


async def test_an_owner_brands_the_page_and_the_client_buys_10_dollars_of_credits_on_checkout(
    page: Page, browser: Browser, stripe_for_server, server
):
    await _owner_sets_up_auto_billing(page)

    # The owner sets the branding in the Auto Billing tab's Branding panel.
    await AutoBillingPage(page).open()
    await BrandingPanel(page).save(AGENCY, LOGO, "#0a7d5a", SUPPORT)

    # On the client's page, the owner creates the private link and copies it.
    await page.goto("/dashboard/clients")
    await page.get_by_role("link", name="Acme Rockets").first.click()
    await expect(page.get_by_test_id("client-title")).to_contain_text("Acme Rockets")
    link = await BillingLinkSection(page).create()
    assert re.fullmatch(rf"{re.escape(server.base_url)}/b/[A-Za-z0-9_-]{{43}}", link)

    # The client opens it in their own browser, with no log-in: the agency's brand, no ClientPulse name.
    context = await browser.new_context(base_url=server.base_url, viewport={"width": 390, "height": 844})
    client_page = await context.new_page()
    await client_page.goto(link)
    billing = ClientBillingPage(client_page)
    await expect(billing.brand_name).to_have_text(AGENCY)
    await expect(client_page).to_have_title(f"Billing · {AGENCY}")
    await expect(billing.logo).to_have_attribute("src", LOGO)
    await expect(billing.support).to_contain_text(SUPPORT)
    await expect(billing.balance).to_have_text("0 credits")
    assert "clientpulse" not in (await client_page.content()).lower()

    # $10 opens Stripe's Checkout on the agency's account, under the agency's branding.
    checkout = await billing.buy_pack(10)
    await expect(client_page.get_by_test_id("checkout-merchant")).to_have_text(f"Pay {AGENCY}")
    await expect(client_page.get_by_test_id("checkout-logo")).to_have_attribute("src", LOGO)
    await expect(checkout.item).to_contain_text("2,500 credits")
    await expect(client_page.get_by_test_id("checkout-total")).to_contain_text("$10.00")
    assert "clientpulse" not in (await client_page.content()).lower()
    await checkout.pay("4242 4242 4242 4242")

    # Back on the billing page: the payment is acknowledged; the credits come from Stripe's webhook, never this return.
    await expect(client_page).to_have_url(re.compile(r"/b/[A-Za-z0-9_-]{43}\?checkout=paid&session=cs_\w+$"))
    await expect(billing.payment_received).to_have_text("Payment received — your credits will appear in a moment.")
    # Stripe's webhook reaches the app, the worker credits the purchase, and the balance panel's poll shows it.
    await expect(billing.balance).to_have_text("2,500 credits")
    await expect(client_page.get_by_test_id("credits-arrived")).to_be_visible()
    assert "clientpulse" not in (await client_page.content()).lower()
    await context.close()
