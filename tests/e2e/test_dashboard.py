"""The demo owner's home after log-in: the dashboard's charts and lists, and from a quietly cancelling client to its
page with its MRR history and the rule that fired."""

from playwright.async_api import Page, expect

from app.demo import seed_demo
from app.revenue.dashboard import overview
from app.revenue.flags import RULE_NAMES
from app.web.templating import money, money_in
from tests.e2e.pages import DashboardPage, IntegrationsPage, LoginPage, SyncProgress


async def test_log_in_lands_on_the_dashboard_and_a_quietly_cancelling_client_opens_with_its_rule(
    page: Page, stripe_for_server, server
):
    workspace = await seed_demo()
    await (await LoginPage(page).open()).log_in("owner@demo.test", "demo-password")
    await expect(page).to_have_url(f"{server.base_url}/dashboard")
    await expect(page.get_by_test_id("connect-stripe")).to_be_visible()
    consent = await (await IntegrationsPage(page).open()).connect_stripe()
    await consent.pick_account("Northwind Digital")
    await consent.connect()
    await expect(SyncProgress(page).box).to_have_attribute("data-status", "done", timeout=60_000)
    expected = await overview(workspace.id, workspace.timezone, workspace.currency, money=money_in(workspace.currency))
    leaving = next(item for item in expected.cancelling if item.client_id is not None)

    await page.get_by_test_id("workspace-menu").click()
    await page.get_by_test_id("logout").click()
    await (await LoginPage(page).open()).log_in("owner@demo.test", "demo-password")
    await expect(page).to_have_url(f"{server.base_url}/dashboard")
    dashboard = DashboardPage(page)
    await expect(dashboard.trend_chart).to_be_visible()
    await expect(dashboard.movements_chart).to_be_visible()
    await expect(page.get_by_test_id("invoiced-now")).to_have_text(
        money(expected.invoiced_this_month, workspace.currency)
    )
    for listing in (dashboard.overdue, dashboard.cancelling, dashboard.upsell):
        await expect(listing).to_be_visible()

    await dashboard.open_cancelling(leaving.name)
    await expect(page).to_have_url(f"{server.base_url}/dashboard/clients/{leaving.client_id}")
    await expect(page.get_by_test_id("client-title")).to_contain_text(leaving.name)
    await expect(page.get_by_test_id("client-trend-chart")).to_be_visible()
    flag = page.get_by_test_id("cancelling-flag").filter(has_text=RULE_NAMES[leaving.flag.rule])
    await expect(flag).to_contain_text(leaving.flag.reason)
