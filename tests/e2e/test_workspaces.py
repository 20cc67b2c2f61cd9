"""An owner who runs two agencies creates a second workspace and switches between them; each keeps its own clients."""

from playwright.async_api import Page, expect

from tests.e2e.pages import ClientsPage, SignupPage


async def _switch_to(page: Page, name: str) -> None:
    await page.get_by_test_id("workspace-menu").click()
    await page.get_by_test_id("workspace-switch").select_option(label=name)
    await page.get_by_role("button", name="Switch").click()
    await expect(page.get_by_test_id("workspace-menu")).to_contain_text(name)


async def test_an_owner_creates_a_second_workspace_and_switches_between_them(page: Page, server):
    await (await SignupPage(page).open()).sign_up(
        "Rui Owner", "rui@twoshops.test", "two-shops-password", agency="First Agency"
    )
    clients = ClientsPage(page)
    await clients.add_and_open("Alpha Co", "hi@alpha.test", "alpha.test")

    await page.get_by_test_id("workspace-menu").click()
    await page.get_by_role("link", name="New workspace").click()
    await page.get_by_label("Agency name").fill("Second Agency")
    await page.get_by_label("Time zone").select_option("Europe/London")
    await page.get_by_role("button", name="Create workspace").click()
    await expect(page.get_by_test_id("workspace-menu")).to_contain_text("Second Agency")
    await clients.open()
    await expect(page.get_by_test_id("no-clients")).to_be_visible()
    await clients.add_and_open("Beta Co", "hi@beta.test", "beta.test")

    await _switch_to(page, "First Agency")
    await clients.open()
    await expect(clients.rows).to_have_count(1)
    await expect(clients.rows).to_contain_text("Alpha Co")
    await _switch_to(page, "Second Agency")
    await clients.open()
    await expect(clients.rows).to_have_count(1)
    await expect(clients.rows).to_contain_text("Beta Co")
