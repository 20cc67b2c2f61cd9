"""Issue 13, acceptance 1: a Free owner meets the Agency-only message, buys Agency on Stripe and connects Stripe."""

import re

from playwright.async_api import Page, expect

from app.workspaces import plans
from tests.e2e.pages import BillingPage, IntegrationsPage, SignupPage
from tests.plugins.standin import NORTHWIND_DIGITAL

OWNER = ("Ola Owner", "ola@upgrade.agency", "upgrade-owner-password")


async def test_a_free_owner_hits_the_agency_message_buys_agency_with_a_test_card_and_connects_stripe(
    page: Page, stripe_for_server, server
):
    agency = plans.terms("agency")
    await (await SignupPage(page).open()).sign_up(*OWNER, agency="Upgrade Agency")
    await expect(page).to_have_url(f"{server.base_url}/dashboard/clients")

    integrations = await IntegrationsPage(page).open()
    gate = page.get_by_test_id("plan-gate")
    await expect(gate).to_contain_text("Stripe Connect is only available on the Agency plan")
    await expect(integrations.card.get_by_test_id("connect-stripe")).to_have_count(0)
    await gate.get_by_role("link", name="Upgrade on the billing page").click()

    billing = BillingPage(page)
    await expect(billing.current_plan).to_contain_text("Current plan: Free")
    await expect(billing.plan("agency")).to_contain_text(agency.price)
    checkout = await billing.choose("agency")
    await expect(checkout.item).to_contain_text("ClientPulse Agency")
    await expect(checkout.price).to_contain_text(f"${agency.monthly_usd:,}.00")

    await checkout.pay("4000 0000 0000 9995")
    await expect(checkout.error).to_have_text("Your card has insufficient funds.")
    await checkout.pay("4242 4242 4242 4242")

    # Back from Checkout: the plan changes when Stripe's webhook lands; the page polls until it has.
    await expect(page).to_have_url(re.compile(r"/dashboard/billing\?checkout=cs_test_\w+$"))
    await expect(billing.current_plan).to_contain_text("Current plan: Agency")
    await expect(page.get_by_test_id("checkout-confirmed")).to_be_visible()
    await expect(billing.plan("agency")).to_contain_text("Your plan")

    await integrations.open()
    consent = await integrations.connect_stripe()
    await consent.pick_account("Northwind Digital")
    await consent.connect()
    await expect(integrations.status).to_have_text("Connected")
    await expect(page.get_by_test_id("stripe-account-id")).to_have_text(NORTHWIND_DIGITAL)
