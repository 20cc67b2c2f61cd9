"""Issue 14, acceptance 3-5: a client who bought $10 of credits turns on auto-recharge on their billing page, and
usage recorded through the API takes the balance below the threshold: a working card recharges once, a declining
card pauses auto-recharge and emails both sides, and a card whose bank asks for authentication is confirmed through
the emailed link."""

import re
import uuid
from dataclasses import dataclass

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from app.auto_billing.tables import PayoutAccount
from app.credits import settings
from app.credits.tables import CreditAccount, CreditEntry, EntryKind, Recharge
from tests.e2e.pages import (
    ApiTokensPage,
    AutoRechargeSection,
    BillingLinkSection,
    ClientBillingPage,
    RechargeConfirmPage,
    reload_until,
)
from tests.e2e.test_client_billing_page import _owner_sets_up_auto_billing
from tests.e2e.worker_busy import wait_until_idle
from tests.plugins.standin import wait_until

CLIENT_EMAIL = "ops@acme-rockets.com"  # the demo's contact for Acme Rockets
# $10 buys 2,500 credits at the guide's example price; auto-recharge adds $10 (2,500 credits) below 1,000.
THRESHOLD, RECHARGE_USD = 1_000, 10


@dataclass
class Client:
    """The client's own browser on their billing page, and what the agency's integration needs to record usage."""

    context: BrowserContext
    page: Page
    billing: ClientBillingPage
    recharge: AutoRechargeSection
    billing_url: str
    client_id: int
    api_token: str


async def _client_bought_10_dollars(
    page: Page, browser: Browser, server, card: str, card_label: str, three_ds: bool = False
) -> Client:
    """The owner sets up Auto Billing, makes an API token and sends Acme Rockets its link; the client pays $10."""
    await _owner_sets_up_auto_billing(page)
    api_token = await ApiTokensPage(page).create("Usage metering")
    await page.goto("/dashboard/clients")
    await page.get_by_role("link", name="Acme Rockets").first.click()
    await expect(page.get_by_test_id("client-title")).to_contain_text("Acme Rockets")
    client_id = int(re.search(r"/clients/(\d+)", page.url).group(1))
    link = await BillingLinkSection(page).create()

    context = await browser.new_context(base_url=server.base_url)
    client_page = await context.new_page()
    await client_page.goto(link)
    billing = ClientBillingPage(client_page)
    await (await billing.buy_pack(10)).pay(card)
    if three_ds:
        await client_page.get_by_test_id("checkout-3ds-complete").click()
    await expect(billing.balance).to_have_text("2,500 credits")
    # The crediting saves the card just after; the page shows it on the next load.
    recharge = AutoRechargeSection(client_page)
    await reload_until(client_page, recharge.saved_card, f"Saved card: {card_label}.")
    return Client(context, client_page, billing, recharge, link, client_id, api_token)


async def _record_usage(server, client: Client, *credits: int) -> None:
    """The agency's integration records usage, one call per amount, each under its own Idempotency-Key."""
    headers = {"Authorization": f"Bearer {client.api_token}"}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers) as http:
        for amount in credits:
            response = await http.post(
                "/api/v1/usage",
                json={"client": client.client_id, "credits": amount, "description": "Report runs"},
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
            assert response.status_code == 201, response.text


async def _outbox_row(page: Page, kind: str, to: str):
    await page.goto("/dev/outbox")
    row = page.get_by_test_id("outbox-row").filter(has_text=kind).filter(has_text=to)
    await reload_until(page, row)
    return row


async def test_usage_through_the_api_past_the_threshold_recharges_the_saved_card_once_and_restores_the_balance(
    page: Page, browser: Browser, stripe_for_server, server
):
    client = await _client_bought_10_dollars(page, browser, server, "4242 4242 4242 4242", "Visa ending 4242")
    await client.recharge.enable(THRESHOLD, RECHARGE_USD)

    # 2,500 → 1,500 → 500 (below 1,000: one recharge starts) → 300, whether or not it has landed yet.
    await _record_usage(server, client, 1_000, 1_000, 200)

    await reload_until(client.page, client.billing.balance, "2,800 credits")
    await expect(client.page.get_by_test_id("entry").filter(has_text="Auto-recharge")).to_have_count(1)
    assert await Recharge.count().where(Recharge.client == client.client_id) == 1
    recharges = (CreditEntry.client == client.client_id) & (CreditEntry.kind == EntryKind.auto_recharge.value)
    assert await CreditEntry.count().where(recharges) == 1
    await client.context.close()


async def _save_a_card_that_declines(standin, client_id: int) -> None:
    """Checkout cannot save a 9995 card (its payment fails there), so the card is saved as the stand-in documents:
    Stripe's test id pm_card_chargeDeclinedInsufficientFunds attached to the client's customer."""
    # The purchase's later event saves the purchase's card again: let every delivery land and be applied first.
    wait_until(
        lambda: all(d["status"] in ("succeeded", "failed") for d in standin.deliveries()),
        timeout=30,
        message="the purchase's webhook deliveries",
    )
    await wait_until_idle(timeout=30)
    account = await CreditAccount.select().where(CreditAccount.client == client_id).first()
    payout = await PayoutAccount.select().where(PayoutAccount.workspace == account["workspace"]).first()
    card = standin.sdk().v1.payment_methods.attach(
        "pm_card_chargeDeclinedInsufficientFunds",
        params={"customer": account["stripe_customer_id"]},
        options={"stripe_account": payout["stripe_account_id"]},
    )
    await settings.save_card(
        account["workspace"], client_id, account["stripe_customer_id"], card.id, "Visa ending 9995"
    )


async def test_a_declined_recharge_pauses_auto_recharge_and_emails_the_client_and_the_agency(
    page: Page, browser: Browser, stripe_for_server, server
):
    client = await _client_bought_10_dollars(page, browser, server, "4242 4242 4242 4242", "Visa ending 4242")
    await _save_a_card_that_declines(stripe_for_server, client.client_id)
    await client.recharge.enable(THRESHOLD, RECHARGE_USD)
    await expect(client.recharge.saved_card).to_contain_text("Visa ending 9995")

    await _record_usage(server, client, 1_000, 1_000)

    await reload_until(client.page, client.recharge.paused)
    await expect(client.recharge.paused).to_contain_text("Your card has insufficient funds.")
    await expect(client.billing.balance).to_have_text("500 credits")
    await expect(await _outbox_row(page, "recharge_declined_client", CLIENT_EMAIL)).to_have_count(1)
    await expect(await _outbox_row(page, "recharge_declined_agency", "owner@demo.test")).to_have_count(1)
    assert await Recharge.count().where(Recharge.client == client.client_id) == 1
    await client.context.close()


async def test_a_recharge_the_bank_wants_authenticated_is_confirmed_from_the_emailed_link_and_credited(
    page: Page, browser: Browser, stripe_for_server, server
):
    client = await _client_bought_10_dollars(
        page, browser, server, "4000 0025 0000 3155", "Visa ending 3155", three_ds=True
    )
    await client.recharge.enable(THRESHOLD, RECHARGE_USD)

    await _record_usage(server, client, 1_000, 1_000)

    # The off-session charge needs the client: they get an email with a link (read here from the dev outbox).
    row = await _outbox_row(page, "recharge_confirm", CLIENT_EMAIL)
    await row.get_by_role("link").click()
    text = await page.get_by_test_id("email-text").inner_text()
    link = re.search(r"https?://\S+/pay/recharge/\S+", text).group(0)

    await client.page.goto(link)
    confirm = RechargeConfirmPage(client.page)
    await confirm.confirm_and_authenticate()
    await expect(confirm.done).to_contain_text("2,500 credits were added")
    await client.page.goto(client.billing_url)
    await expect(client.billing.balance).to_have_text("3,000 credits")
    assert await Recharge.count().where(Recharge.client == client.client_id) == 1
    await client.context.close()
