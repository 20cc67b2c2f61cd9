"""Page objects: what a person sees and does, by role and data-testid."""

from __future__ import annotations

import time

from playwright.async_api import Locator, Page, expect


class LoginPage:
    def __init__(self, page: Page) -> None:
        self.page = page

    async def open(self) -> LoginPage:
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

    async def open(self) -> IntegrationsPage:
        await self.page.goto("/dashboard/integrations")
        return self

    async def connect_stripe(self) -> StripeConsentPage:
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


class SignupPage:
    def __init__(self, page: Page) -> None:
        self.page = page

    async def open(self, next_path: str = "") -> SignupPage:
        await self.page.goto("/signup" + (f"?next={next_path}" if next_path else ""))
        return self

    async def sign_up(self, name: str, email: str | None, password: str, agency: str | None = None) -> None:
        """Fill and send the form; email=None keeps the one an invitation filled in and locked."""
        await self.page.get_by_label("Your name").fill(name)
        if email is not None:
            await self.page.get_by_label("Work email").fill(email)
        await self.page.get_by_label("Password").fill(password)
        if agency is not None:
            await self.page.get_by_label("Agency name").fill(agency)
        await self.page.get_by_role("button", name="Create account").click()


class ClientsPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.rows = page.get_by_test_id("client-row")

    async def open(self) -> ClientsPage:
        await self.page.goto("/dashboard/clients")
        return self

    async def add(self, name: str, emails: str = "", domains: str = "") -> None:
        await self.page.goto("/dashboard/clients/new")
        await self.page.get_by_label("Name").fill(name)
        await self.page.get_by_label("Contact emails").fill(emails)
        await self.page.get_by_label("Domains").fill(domains)
        await self.page.get_by_test_id("save-client").click()

    async def add_and_open(self, name: str, emails: str = "", domains: str = "") -> None:
        await self.add(name, emails, domains)
        await expect(self.page.get_by_test_id("client-title")).to_contain_text(name)


class TeamSettingsPage:
    def __init__(self, page: Page) -> None:
        self.page = page

    async def open(self) -> TeamSettingsPage:
        await self.page.goto("/dashboard/settings")
        return self

    async def invite(self, email: str) -> None:
        form = self.page.get_by_test_id("invite-form")
        await form.get_by_label("Invite a teammate by email").fill(email)
        await form.get_by_role("button", name="Send invitation").click()
        await expect(self.page.get_by_test_id("invite-sent")).to_contain_text(email)


class OutboxPage:
    def __init__(self, page: Page) -> None:
        self.page = page

    async def link_in_latest_email_to(self, email: str, path_prefix: str) -> str:
        await self.page.goto("/dev/outbox")
        await self.page.get_by_test_id("outbox-row").filter(has_text=email).first.get_by_role("link").click()
        text = await self.page.get_by_test_id("email-text").inner_text()
        start = text.index(path_prefix) if path_prefix.startswith("http") else text.index("http")
        return text[start:].split()[0]


class SyncProgress:
    """The Stripe card's live progress: one counter per object type, polled by htmx while the sync runs."""

    # True once a poll has shown the sync running with something already read (so the bar moved).
    PARTWAY = """() => {
        const box = document.querySelector('[data-testid=sync-progress]');
        if (!box || !['queued', 'running'].includes(box.dataset.status)) return false;
        return [...box.querySelectorAll('[data-count]')].some(el => Number(el.dataset.count) > 0);
    }"""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.box = page.get_by_test_id("sync-progress")

    async def wait_until_partway(self) -> None:
        await self.page.wait_for_function(self.PARTWAY)

    def stream(self, name: str):
        return self.page.get_by_test_id(f"sync-{name}")

    @property
    def partials(self):
        """The note listing objects Stripe would not give us completely."""
        return self.page.get_by_test_id("sync-partials")

    def partial(self, stripe_id: str):
        return self.partials.locator(f'[data-testid=sync-partial][data-stripe-id="{stripe_id}"]')


class ReviewUnmatchedPage:
    """/dashboard/integrations/stripe/unmatched: one row per unmatched Stripe customer."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.rows = page.get_by_test_id("unmatched-row")
        self.unmatched = page.get_by_test_id("count-unmatched")
        self.matched = page.get_by_test_id("count-matched")
        self.ignored = page.get_by_test_id("count-ignored")

    async def listed_customers(self) -> set[str]:
        return {cid for cid in await self.rows.evaluate_all("rows => rows.map(r => r.dataset.customer)") if cid}

    def row(self, customer_id: str):
        return self.page.locator(f"#customer-{customer_id}")

    async def map_to(self, customer_id: str, client_name: str) -> None:
        row = self.row(customer_id)
        await row.get_by_test_id("map-client").fill(client_name)
        await row.get_by_test_id("map-customer").click()
        await expect(row).to_have_attribute("data-state", "mapped")

    async def create_client_from(self, customer_id: str) -> None:
        row = self.row(customer_id)
        await row.get_by_test_id("create-toggle").click()
        await row.get_by_test_id("create-client").click()
        await expect(row).to_have_attribute("data-state", "mapped")

    async def ignore(self, customer_id: str) -> None:
        row = self.row(customer_id)
        await row.get_by_test_id("ignore-customer").click()
        await expect(row).to_have_attribute("data-state", "ignored")

    async def bulk_map(self, customer_ids: list[str], client_name: str) -> None:
        for customer_id in customer_ids:
            await self.row(customer_id).get_by_test_id("select-customer").check()
        await self.page.get_by_test_id("bulk-client").fill(client_name)
        await self.page.get_by_test_id("bulk-map").click()


class DashboardPage:
    """The workspace's home after log-in (/dashboard)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.trend_chart = page.get_by_test_id("trend-chart")
        self.movements_chart = page.get_by_test_id("movements-chart")
        self.overdue = page.get_by_test_id("overdue-list")
        self.cancelling = page.get_by_test_id("cancelling-list")
        self.upsell = page.get_by_test_id("upsell-list")

    async def open_cancelling(self, name: str) -> None:
        await self.cancelling.get_by_test_id("listed-client").get_by_text(name, exact=True).click()


class BriefSettingsPage:
    """Settings → Monday Brief: this week's brief in a sandboxed frame, the switch, and Send it to me now."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.subject = page.get_by_test_id("brief-subject")
        self.brief = page.frame_locator('[data-testid="brief-html"]')
        self.overdue = self.brief.get_by_test_id("brief-overdue-item")
        self.sent = page.get_by_test_id("brief-sent")

    async def open(self) -> BriefSettingsPage:
        await self.page.goto("/dashboard/settings")
        await self.page.get_by_test_id("settings-brief-tab").click()
        await expect(self.page.get_by_test_id("brief-preview")).to_be_visible()
        return self

    async def send_it_to_me_now(self) -> None:
        await self.page.get_by_test_id("brief-send-now").click()
        await expect(self.sent).to_be_visible()


class BriefUnsubscribePage:
    """Where the Monday Brief's one-click unsubscribe link lands: a confirmation, then what changed."""

    def __init__(self, page: Page) -> None:
        self.page = page

    async def unsubscribe(self, path: str) -> None:
        await self.page.goto(path)
        await self.page.get_by_test_id("brief-unsubscribe-confirm").click()


class CreditPricingPage:
    """Auto Billing → credit pricing: the Cost per Credit form, its live Final Client Price, and the history."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.panel = page.get_by_test_id("credit-pricing")
        self.cost = page.get_by_label("Cost per Credit")
        self.final_price = page.get_by_test_id("final-price")
        self.packs = page.get_by_test_id("pack")
        self.changes = page.get_by_test_id("pricing-change")

    async def open(self) -> CreditPricingPage:
        await self.page.goto("/dashboard/auto-billing/pricing")
        return self

    async def type_cost(self, value: str) -> None:
        """Type as a person does, key by key, so the live display answers to input events."""
        await self.cost.fill("")
        await self.cost.press_sequentially(value, delay=40)

    async def save_with_enter(self) -> None:
        await self.cost.press("Enter")
        await expect(self.page.get_by_test_id("pricing-saved")).to_be_visible()


class BillingPage:
    """/dashboard/billing: the plans, and paying for one through Stripe's Checkout."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.current_plan = page.get_by_test_id("current-plan")

    async def open(self) -> BillingPage:
        await self.page.goto("/dashboard/billing")
        return self

    def plan(self, plan_id: str):
        return self.page.get_by_test_id(f"plan-{plan_id}")

    async def choose(self, plan_id: str) -> StripeCheckoutPage:
        await self.plan(plan_id).get_by_test_id(f"choose-{plan_id}").click()
        checkout = StripeCheckoutPage(self.page)
        await expect(checkout.card_number).to_be_visible()
        return checkout


class StripeCheckoutPage:
    """The stand-in's copy of Stripe's hosted Checkout page (checkout.stripe.com/c/pay/...)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.item = page.get_by_test_id("checkout-item")
        self.price = page.get_by_test_id("checkout-price")
        self.card_number = page.get_by_test_id("checkout-card-number")
        self.error = page.get_by_test_id("checkout-error")

    async def pay(self, card: str) -> None:
        await self.card_number.fill(card)
        await self.page.get_by_test_id("checkout-submit").click()


class AutoBillingPage:
    """The Auto Billing tab: Manage Stripe Connect and the Payout Status panel."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.panel = page.get_by_test_id("payout-status")
        self.state = page.get_by_test_id("payout-state")
        self.missing = page.get_by_test_id("payout-missing")
        self.payouts_enabled = page.get_by_test_id("payouts-enabled")
        self.charges_enabled = page.get_by_test_id("charges-enabled")
        self.payout_rows = page.get_by_test_id("payout-row")
        self.payout_delays = page.get_by_test_id("advice-payout-delays")

    async def open(self) -> AutoBillingPage:
        await self.page.goto("/dashboard/auto-billing")
        return self

    async def manage_stripe_connect(self, email: str | None = None) -> StripeOnboardingPage:
        """Enter the email (first time only) and click Manage Stripe Connect; Stripe's onboarding page opens."""
        if email is not None:
            await self.page.get_by_label("Email linked to your Stripe account").fill(email)
        await self.page.get_by_role("button", name="Manage Stripe Connect").click()
        onboarding = StripeOnboardingPage(self.page)
        await expect(onboarding.form).to_be_visible()
        return onboarding

    async def check_status(self) -> None:
        await self.panel.get_by_role("button", name="Check status").click()


class StripeOnboardingPage:
    """The stand-in's copy of Stripe's hosted Express onboarding (connect.stripe.com/setup/...)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.form = page.get_by_test_id("onboarding-form")

    async def save_for_later(self) -> None:
        await self.page.get_by_test_id("onboarding-later").click()

    async def finish(self) -> None:
        await self.page.get_by_test_id("onboarding-finish").click()


class ClientCreditsSection:
    """A client's page → Credits: the balance, the owner's adjustment form and the client's transactions."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.section = page.get_by_test_id("client-credits")
        self.balance = page.get_by_test_id("credit-balance")
        self.rows = page.get_by_test_id("transaction-row")

    async def open(self, client_id: int) -> ClientCreditsSection:
        await self.page.goto(f"/dashboard/clients/{client_id}")
        await expect(self.section).to_be_visible()  # loaded by htmx after the page
        return self

    async def adjust(self, credits: str, reason: str) -> None:
        await self.page.get_by_label("Credits (negative to take away)").fill(credits)
        await self.page.get_by_label("Reason").fill(reason)
        await self.page.get_by_test_id("adjust-submit").click()
        await expect(self.page.get_by_test_id("adjust-notice")).to_be_visible()


class TransactionsSection:
    """Auto Billing → Transactions: filters, the list and its CSV export."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.section = page.get_by_test_id("credit-activity")
        self.rows = page.get_by_test_id("transaction-row")
        self.export = page.get_by_test_id("export-transactions")

    async def open(self) -> TransactionsSection:
        await self.page.goto("/dashboard/auto-billing")
        await expect(self.section).to_be_visible()  # loaded by htmx after the tab
        return self

    async def filter(self, kind: str = "", client: str = "") -> None:
        if kind:
            await self.page.get_by_test_id("filter-kind").select_option(kind)
        if client:
            await self.page.get_by_test_id("filter-client").select_option(label=client)


class BrandingPanel:
    """Auto Billing → Branding: what the agency's clients see on their billing pages (loads into the tab)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.panel = page.get_by_test_id("branding")
        self.saved = page.get_by_test_id("branding-saved")

    async def save(self, name: str, logo_url: str, color: str, support_email: str) -> None:
        await self.panel.get_by_label("Name shown to clients").fill(name)
        await self.panel.get_by_label("Logo address (https://)").fill(logo_url)
        await self.panel.get_by_label("Brand colour (#rrggbb)").fill(color)
        await self.panel.get_by_label("Support email").fill(support_email)
        await self.panel.get_by_role("button", name="Save branding").click()
        await expect(self.saved).to_be_visible()


class BillingLinkSection:
    """A client's page → Billing page: the private link an owner sends the client (loads into the client's page)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.section = page.get_by_test_id("billing-link")
        self.url = page.get_by_test_id("billing-link-url")

    async def create(self) -> str:
        """Create the link; returns it as the owner copies it (it is shown this once)."""
        await self.section.get_by_role("button", name="Create link").click()
        await expect(self.url).to_be_visible()
        return await self.url.input_value()


class ClientBillingPage:
    """The client's white-label billing page, opened from its private link without a log-in."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.brand_name = page.get_by_test_id("brand-name")
        self.logo = page.get_by_test_id("brand-logo")
        self.balance = page.get_by_test_id("balance")
        self.payment_received = page.get_by_test_id("payment-received")
        self.support = page.get_by_test_id("support")

    async def buy_pack(self, usd: int) -> StripeCheckoutPage:
        await self.page.get_by_test_id(f"pack-{usd}").click()
        checkout = StripeCheckoutPage(self.page)
        await expect(checkout.card_number).to_be_visible()
        return checkout


class ApiTokensPage:
    """Settings → API: an owner makes a token for an integration (its secret is shown this once)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.secret = page.get_by_test_id("new-token-secret")

    async def create(self, name: str) -> str:
        await self.page.goto("/dashboard/settings/api")
        await self.page.get_by_label("New token's name").fill(name)
        await self.page.get_by_role("button", name="Create token").click()
        await expect(self.secret).to_be_visible()
        return await self.secret.input_value()


class AutoRechargeSection:
    """The client's billing page → Automatic top-up: the saved card, the settings, and why it paused."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.saved_card = page.get_by_test_id("saved-card")
        self.paused = page.get_by_test_id("recharge-paused")

    async def enable(self, threshold: int, usd: int) -> None:
        await self.page.get_by_test_id("recharge-enabled").check()
        await self.page.get_by_test_id("recharge-threshold").fill(str(threshold))
        await self.page.get_by_test_id("recharge-usd").fill(str(usd))
        await self.page.get_by_test_id("save-recharge").click()
        await expect(self.page.get_by_test_id("recharge-saved")).to_be_visible()


class RechargeConfirmPage:
    """Where the client's confirmation email links: confirm the top-up, then the bank's (stand-in's) 3D Secure."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.done = page.get_by_test_id("recharge-done")

    async def confirm_and_authenticate(self) -> None:
        await self.page.get_by_test_id("recharge-confirm-button").click()
        await self.page.get_by_test_id("checkout-3ds-complete").click()


async def reload_until(page: Page, locator: Locator, text: str | None = None, timeout_s: float = 30) -> None:
    """Reload as a person would until `locator` shows (with `text`, when given): for what the worker does after the
    page loaded, such as a recharge or an email, which these pages do not poll for."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if text is None:
                await expect(locator).to_be_visible(timeout=1_000)
            else:
                await expect(locator).to_have_text(text, timeout=1_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            await page.reload()
