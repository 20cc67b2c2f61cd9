"""A teammate who no longer wants the Monday Brief follows the email's unsubscribe link in a browser, logged out."""

from urllib.parse import urlparse

from playwright.async_api import Page, expect

from app.brief.recipients import is_opted_in
from app.brief.unsubscribe import unsubscribe_url
from tests.e2e.pages import BriefUnsubscribePage


async def test_the_unsubscribe_link_works_without_logging_in_and_points_back_to_the_settings(page: Page, alice, bob):
    path = urlparse(unsubscribe_url(alice.workspace.id, bob.user.id)).path

    await BriefUnsubscribePage(page).unsubscribe(path)

    await expect(page.get_by_test_id("brief-unsubscribed")).to_contain_text(
        "You will not get the Monday Brief for Alice Agency any more"
    )
    await expect(page.get_by_test_id("brief-opt-in-again")).to_be_visible()
    assert not await is_opted_in(alice.workspace.id, bob.user.id)
    assert await is_opted_in(alice.workspace.id, alice.user.id)
