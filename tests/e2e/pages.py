"""Page objects: what a person sees and does, by role and data-testid."""

from __future__ import annotations

from playwright.async_api import Page, expect


class LoginPage:
    def __init__(self, page: Page) -> None:
        self.page = page

    async def open(self) -> "LoginPage":
        await self.page.goto("/login")
        return self

    async def log_in(self, email: str, password: str) -> None:
        await self.page.get_by_label("Email").fill(email)
        await self.page.get_by_label("Password").fill(password)
        await self.page.get_by_role("button", name="Log in").click()


class IntegrationsPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.card = page.get_by_test_id("stripe-card")
        self.status = page.get_by_test_id("stripe-status")

    async def open(self) -> "IntegrationsPage":
        await self.page.goto("/dashboard/integrations")
        return self

    async def connect_stripe(self) -> "StripeConsentPage":
        await self.card.get_by_test_id("connect-stripe").click()
        consent = StripeConsentPage(self.page)
        await expect(consent.connect_button).to_be_visible()
        return consent

    async def disconnect(self) -> None:
        self.page.once("dialog", lambda dialog: dialog.accept())
        await self.card.get_by_test_id("disconnect-stripe").click()


class StripeConsentPage:
    """The stand-in's copy of connect.stripe.com/oauth/authorize."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.switcher = page.get_by_test_id("account-switcher")
        self.connect_button = page.get_by_test_id("connect-button")
        self.deny_button = page.get_by_test_id("deny-button")

    async def pick_account(self, label: str) -> None:
        await self.switcher.select_option(label=label)

    async def connect(self) -> None:
        await self.connect_button.click()

    async def deny(self) -> None:
        await self.deny_button.click()
