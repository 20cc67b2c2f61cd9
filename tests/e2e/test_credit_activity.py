"""An Agency owner corrects a client's credits on its page, then finds the adjustment in the Auto Billing tab and
downloads it as CSV."""

import csv
import io
from decimal import Decimal

from playwright.async_api import Page, expect

from app.credits import ledger
from app.credits.tables import EntryKind
from app.demo import seed_demo
from tests import factories
from tests.e2e.pages import ClientCreditsSection, LoginPage, TransactionsSection

CLIENT = "Hostile <b>Co</b>"


async def test_the_owner_adjusts_credits_filters_the_tabs_list_and_downloads_it(page: Page, server):
    workspace = await seed_demo()
    client = await factories.client(workspace.id, CLIENT)
    prices = ledger.price_fields(Decimal("0.004"), Decimal("0.001"), Decimal("0.003"))
    await ledger.append(
        workspace.id, client.id, EntryKind.purchase, 2500, dedupe_key="pi:e2e", amount_minor=1000, **prices
    )
    await (await LoginPage(page).open()).log_in("owner@demo.test", "demo-password")

    credits = await ClientCreditsSection(page).open(client.id)
    await expect(credits.balance).to_have_text("2,500")
    await credits.adjust("-500", "=Refunded outside Stripe")
    await expect(page.get_by_test_id("adjust-notice")).to_have_text("Recorded an adjustment of -500 credits.")
    await expect(credits.balance).to_have_text("2,000")
    await expect(credits.rows).to_have_count(2)

    transactions = await TransactionsSection(page).open()
    await transactions.filter(kind="adjustment", client=CLIENT)
    await expect(transactions.rows).to_have_count(1)
    await expect(transactions.rows.first).to_contain_text("=Refunded outside Stripe")
    await expect(transactions.rows.first.get_by_test_id("transaction-client")).to_have_text(CLIENT)
    await expect(transactions.export).to_have_attribute(
        "href", f"/dashboard/auto-billing/transactions.csv?kind=adjustment&client={client.id}"
    )

    async with page.expect_download() as info:
        await transactions.export.click()
    download = await info.value
    rows = list(csv.DictReader(io.StringIO((await download.path()).read_text(encoding="utf-8-sig"))))
    assert [(row["client"], row["kind"], row["credits"], row["description"]) for row in rows] == [
        (CLIENT, "Adjustment", "-500", "'=Refunded outside Stripe")
    ]
