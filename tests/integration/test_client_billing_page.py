"""The client's billing page, opened by its private link: the agency's brand only, the balance, packs and history."""

from __future__ import annotations

import secrets

import pytest

from app.auto_billing.tables import PayoutAccount
from app.client_billing import branding, links
from app.credits import ledger
from app.credits.tables import EntryKind
from tests.conftest import post_form
from tests.integration.client_billing_support import ready_shop


@pytest.fixture(name="shop")
async def fx_shop(alice, stripe_standin):
    shop = await ready_shop(alice, stripe_standin)
    await branding.save(
        shop.owner.actor,
        {
            "display_name": "Northwind Studio",
            "logo_url": "https://northwind.test/logo.png",
            "brand_color": "#ffd43b",
            "support_email": "billing@northwind.test",
        },
    )
    return shop


async def test_the_page_shows_the_agencys_brand_and_nowhere_the_platforms_name(client, shop):
    response = await client.get(shop.url)

    assert response.status_code == 200
    html = response.text
    assert "<title>Billing · Northwind Studio</title>" in html
    assert 'src="https://northwind.test/logo.png"' in html and 'data-testid="brand-name">Northwind Studio<' in html
    assert "billing@northwind.test" in html and "Credits for Acme Rockets" in html
    assert "clientpulse" not in html.lower()
    for asset in ("css/pay.css", "js/htmx-setup.js", "vendor/htmx-2.0.11.min.js"):
        assert asset in html
        assert "clientpulse" not in (await client.get(f"/static/{asset}")).text.lower()


async def test_the_brand_colour_comes_with_a_readable_text_colour(client, shop):
    css = await client.get(f"{shop.url}/brand.css")

    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "--brand: #ffd43b;" in css.text and "--on-brand: #000000;" in css.text, "black reads better on yellow"


async def test_the_page_may_show_the_logo_from_the_agencys_https_address(client, shop):
    policy = (await client.get(shop.url)).headers["content-security-policy"]

    assert "img-src 'self' data: https:" in policy and "script-src 'self'" in policy


@pytest.mark.parametrize("token", ["nope", "x" * 43, secrets.token_urlsafe(32)])
async def test_an_unknown_token_gets_a_404_that_names_no_one(client, shop, token):
    response = await client.get(f"/b/{token}")

    assert response.status_code == 404
    assert "Northwind" not in response.text and "clientpulse" not in response.text.lower()
    assert "Ask whoever sent it to you for a new link." in response.text.replace("&#39;", "'")


async def test_a_revoked_link_gets_the_same_404(client, shop):
    await links.revoke(shop.owner.actor, shop.client.id)

    for path in ("", "/brand.css", "/balance", "/history"):
        response = await client.get(shop.url + path)
        assert response.status_code == 404 and "clientpulse" not in response.text.lower()


async def test_the_packs_show_what_each_buys_at_the_agencys_price(client, shop):
    html = (await client.get(shop.url)).text

    assert "$0.004 a credit" in html
    for usd, credits in ((10, "2,500"), (25, "6,250"), (50, "12,500"), (100, "25,000")):
        assert f'aria-label="Buy ${usd} = {credits} credits"' in html
        assert f"<strong>${usd}</strong> = {credits} credits</button>" in html, "the guide writes $10 = 2,500 credits"
    assert '<h2 id="auto-recharge-title">Automated billing</h2>' in html


async def test_without_a_payout_account_taking_charges_the_page_says_to_contact_support(client, shop):
    await PayoutAccount.update({PayoutAccount.charges_enabled: False}).where(
        PayoutAccount.workspace == shop.owner.workspace.id
    )

    html = (await client.get(shop.url)).text

    assert "Buying credits is unavailable right now." in html and "mailto:billing@northwind.test" in html
    assert 'data-testid="pack-10"' not in html and 'data-testid="buy-custom"' not in html


async def test_a_buy_while_purchases_are_unavailable_is_refused_and_asks_stripe_nothing(client, shop, stripe_standin):
    await PayoutAccount.delete().where(PayoutAccount.workspace == shop.owner.workspace.id)
    stripe_standin.clear_requests()

    response = await post_form(client, f"{shop.url}/buy", {"usd": "10"}, follow_redirects=False)

    assert response.status_code == 409 and "Buying credits is unavailable right now." in response.text
    assert not stripe_standin.requests(method="POST")


async def test_hostile_agency_and_client_names_are_escaped(client, alice, stripe_standin):
    shop = await ready_shop(alice, stripe_standin, client_name="<script>alert('client')</script>")
    await branding.save(shop.owner.actor, {"display_name": "<script>alert('agency')</script>"})

    html = (await client.get(shop.url)).text

    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#39;agency&#39;)" in html and "&lt;script&gt;alert(&#39;client&#39;)" in html


async def _usage(shop, count: int) -> None:
    await ledger.append(shop.owner.workspace.id, shop.client.id, EntryKind.adjustment, 10_000, description="opening")
    for number in range(count):
        await ledger.append(shop.owner.workspace.id, shop.client.id, EntryKind.usage, -1, description=f"call {number}")


async def test_the_history_pages_back_with_and_without_htmx(client, shop):
    await _usage(shop, 24)  # 25 entries: a page of 20, then 5

    page = (await client.get(shop.url)).text
    assert page.count('data-testid="entry"') == 20 and "call 23" in page and "9,976 credits" in page
    first_id = (await ledger.entries(shop.owner.workspace.id, shop.client.id, limit=20))[-1]["id"]

    fragment = await client.get(f"{shop.url}/history?before={first_id}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and fragment.headers["vary"] == "HX-Request"
    assert fragment.text.lstrip().startswith('<section id="history"') and "<html" not in fragment.text
    assert fragment.text.count('data-testid="entry"') == 5 and "opening" in fragment.text

    full = await client.get(f"{shop.url}/history?before={first_id}")
    assert "<html" in full.text and full.text.count('data-testid="entry"') == 5 and "Northwind Studio" in full.text


async def test_the_balance_fragment_answers_with_and_without_htmx(client, shop):
    await _usage(shop, 1)

    fragment = await client.get(f"{shop.url}/balance", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith('<section id="balance"')
    assert "9,999 credits" in fragment.text and "hx-trigger" not in fragment.text, "nothing to wait for: no polling"

    full = await client.get(f"{shop.url}/balance")
    assert "<html" in full.text and "9,999 credits" in full.text and "clientpulse" not in full.text.lower()


async def test_a_post_without_the_csrf_token_is_refused_on_a_neutral_page(client, shop, stripe_standin):
    await client.get(shop.url)
    stripe_standin.clear_requests()

    response = await client.post(f"{shop.url}/buy", data={"usd": "10"}, follow_redirects=False)

    assert response.status_code == 403
    assert "This form expired" in response.text and "clientpulse" not in response.text.lower()
    assert not stripe_standin.requests(method="POST")


@pytest.mark.parametrize("before", [str(2**64), "-5", "0"])
async def test_a_crafted_history_position_reads_from_the_newest(client, shop, before):
    await _usage(shop, 1)

    response = await client.get(f"{shop.url}/history?before={before}", headers={"HX-Request": "true"})

    assert response.status_code == 200 and response.text.count('data-testid="entry"') == 2


async def test_the_balance_page_without_htmx_never_claims_an_unverified_payment(client, shop):
    response = await client.get(f"{shop.url}/balance?pi=pi_forged")

    assert "Payment received" not in response.text and "Waiting for your payment to be confirmed" in response.text
