"""An Agency owner sets the Cost per Credit as the Auto Billing guide shows: the client price updates as they type."""

from playwright.async_api import Page, expect

from app.credit_pricing.tables import CreditPrice
from app.demo import seed_demo
from tests.e2e.pages import CreditPricingPage, LoginPage

PHONE = {"width": 375, "height": 740}


async def test_typing_0_003_shows_2500_credits_for_10_dollars_live_and_saving_records_it(page: Page, server):
    await seed_demo()
    await (await LoginPage(page).open()).log_in("owner@demo.test", "demo-password")
    await expect(page.get_by_test_id("workspace-menu")).to_contain_text("Northwind Digital")
    pricing = await CreditPricingPage(page).open()
    await expect(pricing.packs.first).to_have_text("$10 = 10,000 credits")

    await pricing.type_cost("0.003")
    await expect(pricing.final_price).to_have_text("$0.004")
    await expect(pricing.packs).to_have_text(
        ["$10 = 2,500 credits", "$25 = 6,250 credits", "$50 = 12,500 credits", "$100 = 25,000 credits"]
    )
    await expect(page.get_by_test_id("pricing-unsaved")).to_be_visible()
    await expect(page.get_by_test_id("no-pricing-history")).to_be_visible()
    assert await CreditPrice.count() == 0, "typing alone must not save"

    await pricing.type_cost("abc")
    await expect(page.get_by_test_id("pricing-error")).to_contain_text("Enter a number of dollars, like 0.003")
    await expect(pricing.final_price).to_have_count(0)

    await pricing.type_cost("0.003")
    await expect(pricing.final_price).to_have_text("$0.004")
    await pricing.save_with_enter()
    await expect(pricing.changes).to_have_count(1)
    await expect(pricing.changes.first).to_contain_text("owner@demo.test")
    await expect(pricing.changes.first).to_contain_text("not set → $0.003")
    await expect(pricing.packs.first).to_have_text("$10 = 2,500 credits")
    assert await CreditPrice.count() == 1

    # At phone width the panel, its input and the packs fit across the screen (nothing to scroll sideways for).
    await page.set_viewport_size(PHONE)
    for part in (pricing.panel, pricing.cost, page.get_by_test_id("save-pricing"), pricing.packs.last):
        box = await part.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
