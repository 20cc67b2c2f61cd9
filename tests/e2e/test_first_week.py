"""A new agency owner's first session: sign up, add clients, meet the Free limit, invite a teammate."""

from playwright.async_api import Browser, Page, expect

from tests.e2e.pages import ClientsPage, LoginPage, OutboxPage, SignupPage, TeamSettingsPage

OWNER = ("Nia Owner", "nia@brightside.agency", "bright-side-password")


async def test_sign_up_add_clients_hit_the_free_limit_log_out_in_and_invite_a_teammate(
    page: Page, browser: Browser, server
):
    await (await SignupPage(page).open()).sign_up(*OWNER, agency="Brightside Agency")
    await expect(page).to_have_url(f"{server.base_url}/dashboard/clients")
    await expect(page.get_by_test_id("workspace-menu")).to_contain_text("Brightside Agency")
    await expect(page.get_by_test_id("no-clients")).to_be_visible()

    clients = ClientsPage(page)
    for name, email, domain in [
        ("Acme Rockets", "ops@acme-rockets.com", "acme-rockets.com"),
        ("Bluebird Bakery", "hello@bluebirdbakery.co.uk", "www.bluebirdbakery.co.uk"),
        ("<script>alert(1)</script>", "", ""),
    ]:
        await clients.add_and_open(name, email, domain)
    await clients.open()
    await expect(clients.rows).to_have_count(3)
    await expect(clients.rows.filter(has_text="<script>alert(1)</script>")).to_have_count(1)
    await expect(page.get_by_test_id("plan-limit")).to_be_visible()

    await clients.add("Copperleaf Dental", "frontdesk@copperleafdental.com", "copperleafdental.com")
    await expect(page.get_by_test_id("toasts")).to_contain_text(
        "The Free plan includes up to 3 clients. Upgrade to add more."
    )
    await page.get_by_test_id("plan-limit").get_by_role("link", name="Upgrade to add more").click()
    await expect(page.get_by_test_id("current-plan")).to_contain_text("3 of 3 clients used")

    await page.get_by_test_id("workspace-menu").click()
    await page.get_by_test_id("logout").click()
    await expect(page).to_have_url(f"{server.base_url}/login")
    await (await LoginPage(page).open()).log_in(OWNER[1], OWNER[2])
    await expect(page).to_have_url(f"{server.base_url}/dashboard")
    await expect(page.get_by_test_id("connect-invitation")).to_contain_text(
        "Revenue insights come with the Agency plan"
    )
    await expect(page.get_by_test_id("connect-stripe")).to_have_count(0)
    await expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Auto Billing")).to_have_count(0)
    await expect((await ClientsPage(page).open()).rows).to_have_count(3)

    await (await TeamSettingsPage(page).open()).invite("sam@brightside.agency")
    link = await OutboxPage(page).link_in_latest_email_to("sam@brightside.agency", "http")
    assert "/invitations/" in link

    teammate_context = await browser.new_context(base_url=server.base_url)
    teammate = await teammate_context.new_page()
    await teammate.goto(link)
    await expect(teammate.get_by_role("heading", name="Join Brightside Agency")).to_be_visible()
    await teammate.get_by_test_id("signup-to-accept").click()
    invited_email = teammate.get_by_label("Work email")
    await expect(invited_email).to_have_value("sam@brightside.agency")
    await expect(invited_email).not_to_be_editable()
    await SignupPage(teammate).sign_up("Sam Teammate", None, "sam-secret-password")
    await teammate.get_by_test_id("accept-invitation").click()
    await expect(teammate.get_by_test_id("workspace-menu")).to_contain_text("Brightside Agency")
    await expect(teammate.get_by_test_id("client-row")).to_have_count(3)
    await teammate.goto("/dashboard/settings")
    await expect(teammate.get_by_test_id("member-row").filter(has_text="sam@brightside.agency")).to_contain_text(
        "Teammate"
    )
    await teammate_context.close()
