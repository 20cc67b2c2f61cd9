"""The hosted onboarding, Checkout and portal pages in a real browser, driven by the keyboard alone."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Page, Route, async_playwright, expect

from .helpers import NORTHWIND_DIGITAL
from .hosted import checkout_session, express_account, onboarding_link
from .payment import payment_session

CHROMIUM = "/usr/bin/chromium"
APP = "http://127.0.0.1:9"  # the platform's pages: answered by the browser itself (route), no server needed


@asynccontextmanager
async def browser_page() -> AsyncIterator[Page]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser`")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        page = await browser.new_page()
        page.set_default_timeout(10_000)

        async def platform(route: Route) -> None:
            await route.fulfill(body="<h1>Back at ClientPulse</h1>", content_type="text/html")

        await page.route(f"{APP}/**", platform)
        try:
            yield page
        finally:
            await browser.close()


async def tab_to(page: Page, testid: str, limit: int = 30) -> None:
    """Press Tab until the element with ``data-testid`` has the focus (fails if it never does)."""
    for _ in range(limit):
        focused = await page.evaluate("document.activeElement && document.activeElement.dataset.testid")
        if focused == testid:
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"{testid} cannot be reached with Tab")


async def test_onboarding_can_be_finished_with_the_keyboard_and_returns_to_the_platform(fresh_standin):
    account = express_account(fresh_standin)
    link = onboarding_link(fresh_standin, account.id)
    async with browser_page() as page:
        await page.goto(link.url)
        await expect(page.get_by_test_id("onboarding-business-type")).to_be_focused()
        await tab_to(page, "onboarding-finish")
        await page.keyboard.press("Enter")
        await expect(page).to_have_url(f"{APP}/auto-billing/return")
    assert fresh_standin.sdk().v1.accounts.retrieve(account.id).charges_enabled


async def test_checkout_shows_the_decline_then_takes_the_good_card_from_the_keyboard(fresh_standin):
    session = checkout_session(fresh_standin)
    async with browser_page() as page:
        await page.goto(session.url)
        card = page.get_by_test_id("checkout-card-number")
        await expect(card).to_be_focused()
        await page.keyboard.type("4000 0000 0000 9995")
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("alert")).to_have_text("Your card has insufficient funds.")
        await expect(page).to_have_url(session.url)
        await card.focus()
        await page.keyboard.press("ControlOrMeta+a")
        await page.keyboard.type("4242 4242 4242 4242")
        await page.keyboard.press("Enter")
        await expect(page).to_have_url(re.compile(rf"session_id={session.id}$"))
    assert fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id).status == "complete"


async def test_the_portal_cancels_with_the_keyboard(fresh_standin):
    session = checkout_session(fresh_standin)
    fresh_standin.action("pay_checkout_session", session=session.id)
    sdk = fresh_standin.sdk()
    done = sdk.v1.checkout.sessions.retrieve(session.id)
    portal = sdk.v1.billing_portal.sessions.create(params={"customer": done.customer, "return_url": f"{APP}/billing"})
    async with browser_page() as page:
        await page.goto(portal.url)
        await tab_to(page, "portal-cancel-period-end")
        await page.keyboard.press("Enter")
        await expect(page).to_have_url(f"{APP}/billing")
    assert sdk.v1.subscriptions.retrieve(done.subscription).cancel_at_period_end


async def test_a_payment_needing_authentication_is_completed_with_the_keyboard(fresh_standin):
    session = payment_session(fresh_standin, success_url=f"{APP}/billing/done?session_id={{CHECKOUT_SESSION_ID}}")
    async with browser_page() as page:
        await page.goto(session.url)
        await expect(page.get_by_test_id("checkout-merchant")).to_have_text("Pay Northwind Digital")
        await expect(page.get_by_test_id("checkout-card-number")).to_be_focused()
        await page.keyboard.type("4000 0025 0000 3155")
        await page.keyboard.press("Enter")
        await expect(page.get_by_test_id("checkout-3ds")).to_be_visible()
        await tab_to(page, "checkout-3ds-complete")
        await page.keyboard.press("Enter")
        await expect(page).to_have_url(re.compile(rf"session_id={session.id}$"))
    done = fresh_standin.sdk().v1.checkout.sessions.retrieve(session.id, options={"stripe_account": NORTHWIND_DIGITAL})
    assert done.status == "complete" and done.payment_status == "paid"
