"""The Monday Brief's preview for the demo owner: this week's brief with the demo agency's overdue alerts, and Send it
to me now, which lands in the outbox."""

from playwright.async_api import Page, expect

from app.brief.content import brief_content
from app.core.timeutil import utcnow
from app.demo import seed_demo
from app.workspaces.tables import Workspace
from tests.e2e.pages import BriefSettingsPage, IntegrationsPage, LoginPage, SyncProgress


async def test_the_preview_shows_the_demo_s_overdue_alerts_and_send_it_to_me_now_reaches_the_outbox(
    page: Page, stripe_for_server, server
):
    workspace = await seed_demo()
    await (await LoginPage(page).open()).log_in("owner@demo.test", "demo-password")
    await expect(page).to_have_url(f"{server.base_url}/dashboard")
    consent = await (await IntegrationsPage(page).open()).connect_stripe()
    await consent.pick_account("Northwind Digital")
    await consent.connect()
    await expect(SyncProgress(page).box).to_have_attribute("data-status", "done", timeout=60_000)
    workspace = await Workspace.objects().where(Workspace.id == workspace.id).first()
    expected = await brief_content(workspace, utcnow())
    assert expected.overdue, "the demo agency has overdue clients"

    brief = await BriefSettingsPage(page).open()
    await expect(brief.subject).to_contain_text(f"Week {expected.week}: {len(expected.overdue)} overdue, MRR")
    await expect(brief.overdue).to_have_count(len(expected.overdue))
    for position, alert in enumerate(expected.overdue):
        item = brief.overdue.nth(position)
        await expect(item.get_by_test_id("brief-client")).to_have_text(alert.name)
        await expect(item).to_contain_text(f"{alert.days} day{'' if alert.days == 1 else 's'} overdue")
    subject = await brief.subject.inner_text()

    await brief.send_it_to_me_now()
    await expect(brief.sent).to_contain_text("owner@demo.test")
    await page.goto("/dev/outbox")
    row = page.get_by_test_id("outbox-row").filter(has_text=subject).first
    await expect(row).to_contain_text("owner@demo.test")
    await row.get_by_role("link").click()
    await expect(page.get_by_test_id("email-text")).to_contain_text(f"OVERDUE ({len(expected.overdue)})")
    await expect(page.get_by_test_id("email-text")).to_contain_text(expected.overdue[0].name)
