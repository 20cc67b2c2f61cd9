"""Auto-recharge on the billing page: the client opts in with a threshold and an amount, and sees why it paused."""

from __future__ import annotations

import pytest

from app.credits import ledger, settings
from app.credits.tables import CreditAccount
from tests.conftest import post_form
from tests.integration.client_billing_support import ready_shop


@pytest.fixture(name="shop")
async def fx_shop(alice, stripe_standin):
    return await ready_shop(alice, stripe_standin)


async def _save_card(shop) -> None:
    await settings.save_card(shop.owner.workspace.id, shop.client.id, "cus_1", "pm_1", "Visa ending 4242")


async def test_turning_it_on_before_any_card_is_saved_is_refused_with_a_reason(client, shop):
    await client.get(shop.url)

    response = await post_form(
        client, f"{shop.url}/auto-recharge", {"enabled": "on", "threshold": "500", "usd": "25"}, htmx=True
    )

    assert response.status_code == 422 and response.text.lstrip().startswith('<section id="auto-recharge"')
    assert "Buy a credit pack first: auto-recharge charges the card saved then." in response.text
    assert not (await ledger.account(shop.owner.workspace.id, shop.client.id))["auto_recharge"]


async def test_with_a_saved_card_the_settings_are_saved_with_htmx(client, shop):
    await _save_card(shop)
    await client.get(shop.url)

    response = await post_form(
        client, f"{shop.url}/auto-recharge", {"enabled": "on", "threshold": "1,000", "usd": "$50"}, htmx=True
    )

    assert response.status_code == 200 and 'data-testid="recharge-saved"' in response.text
    assert "Saved card: Visa ending 4242." in response.text and "<html" not in response.text
    account = await ledger.account(shop.owner.workspace.id, shop.client.id)
    assert (account["auto_recharge"], account["recharge_threshold"], account["recharge_usd"]) == (True, 1000, 50)


async def test_without_javascript_the_form_saves_and_returns_to_the_page(client, shop):
    await _save_card(shop)
    await client.get(shop.url)

    response = await post_form(
        client, f"{shop.url}/auto-recharge", {"enabled": "on", "threshold": "0", "usd": "10"}, follow_redirects=False
    )

    assert response.status_code == 303 and response.headers["location"] == shop.url
    page = (await client.get(shop.url)).text
    assert 'id="recharge-enabled" name="enabled" value="on" checked' in page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"threshold": "lots", "usd": "25"}, "Enter the balance to recharge below as a whole number."),
        ({"threshold": "100", "usd": "5"}, "Enter the dollars to recharge from 10 to 1,000."),
        ({"threshold": "99000000", "usd": "10"}, "set the threshold below that (or recharge more)"),
    ],
)
async def test_bad_numbers_are_refused_on_the_page_without_javascript(client, shop, form, message):
    await _save_card(shop)
    await client.get(shop.url)

    response = await post_form(client, f"{shop.url}/auto-recharge", {"enabled": "on", **form})

    assert response.status_code == 422 and "<html" in response.text and message in response.text
    assert not (await ledger.account(shop.owner.workspace.id, shop.client.id))["auto_recharge"]


async def test_a_paused_recharge_says_why_and_what_to_do(client, shop):
    await _save_card(shop)
    await CreditAccount.update({CreditAccount.paused_reason: "Your card was declined (insufficient funds)."}).where(
        CreditAccount.client == shop.client.id
    )

    html = (await client.get(shop.url)).text

    assert "Automatic top-up is paused." in html and "Your card was declined (insufficient funds)." in html
    assert "buy a credit pack with a card that works" in html
