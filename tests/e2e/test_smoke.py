"""The server started as `make run` starts it serves pages a browser can use."""

from playwright.async_api import Page, expect


async def test_the_login_page_loads_its_styles_and_htmx(page: Page):
    await page.goto("/login")
    await expect(page.get_by_role("heading", name="Log in to ClientPulse")).to_be_visible()
    assert await page.evaluate("typeof window.htmx") == "object"
    color = await page.locator("button.button--primary").evaluate("e => getComputedStyle(e).backgroundColor")
    assert color == "rgb(59, 91, 219)"
