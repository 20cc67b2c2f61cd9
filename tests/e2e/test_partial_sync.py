"""Stripe refuses one invoice's lines for good: the first sync still finishes, and the Stripe card says which
invoice could not be read completely, why, and that it is retried."""

from playwright.async_api import Page, expect

from app.demo import seed_demo
from tests.e2e.pages import IntegrationsPage, LoginPage, SyncProgress
from tests.plugins.standin import NORTHWIND_DIGITAL


async def test_a_sync_with_one_unreadable_invoice_finishes_and_the_card_names_it(page: Page, stripe_for_server):
    standin = stripe_for_server
    invoices = standin.objects(NORTHWIND_DIGITAL, "invoices", limit=1_000_000)
    broken = next(i for i in invoices if i["lines"]["has_more"])
    await seed_demo()
    await (await LoginPage(page).open()).log_in("owner@demo.test", "demo-password")
    integrations = await IntegrationsPage(page).open()
    consent = await integrations.connect_stripe()
    await consent.pick_account("Northwind Digital")
    standin.set_faults(fail_next=-1, fail_path=f"/v1/invoices/{broken['id']}/lines", fail_status=400)
    await consent.connect()
    await expect(page).to_have_url("/dashboard/integrations?connected=stripe")

    progress = SyncProgress(page)
    await expect(progress.box).to_have_attribute("data-status", "done", timeout=60_000)
    await expect(progress.stream("invoices")).to_have_attribute("data-count", str(len(invoices)))
    payments = len(standin.objects(NORTHWIND_DIGITAL, "charges", limit=1_000_000))
    await expect(progress.stream("charges")).to_have_attribute("data-count", str(payments))
    await expect(progress.partials).to_have_attribute("data-count", "1")
    await expect(progress.partials).to_contain_text("1 object could not be read completely")
    await expect(progress.partial(broken["id"])).to_contain_text(
        f"Invoice {broken['id']}: Stripe answered 400 'Invalid request"
    )
    await expect(progress.partial(broken["id"])).to_contain_text("when reading its lines")
    await expect(progress.partials).to_contain_text("We retry every 15 minutes")
    await expect(page.get_by_test_id("sync-error")).to_have_count(0)

    await page.reload()  # the full page says the same
    await expect(progress.partial(broken["id"])).to_be_visible()
    standin.clear_faults()
