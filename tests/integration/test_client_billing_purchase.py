"""Buying credits from the billing page: a Checkout Session on the agency's account, exactly as the contract says."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from app.client_billing import branding, links
from app.credits import ledger
from app.credits.tables import CreditEntry, EntryKind
from tests import factories as f
from tests.conftest import post_form
from tests.integration.client_billing_support import hidden, ready_shop

CONTRACT = {
    "clientpulse_kind": "purchase",
    "clientpulse_credits": "2500",
    "clientpulse_final_price": "0.004",
    "clientpulse_platform_price": "0.001",
    "clientpulse_cost_per_credit": "0.003",
}


@pytest.fixture(name="shop")
async def fx_shop(alice, stripe_standin):
    shop = await ready_shop(alice, stripe_standin)
    await branding.save(
        shop.owner.actor,
        {"display_name": "Northwind Studio", "logo_url": "https://northwind.test/logo.png", "brand_color": "#0a7d5a"},
    )
    return shop


async def _buy(client, shop, usd: str, attempt: str | None = None):
    page = (await client.get(shop.url)).text
    form = {"usd": usd, "attempt": attempt if attempt is not None else hidden(page, "attempt")}
    return await post_form(client, f"{shop.url}/buy", form, follow_redirects=False)


def _session_id(location: str) -> str:
    return urlparse(location).path.rsplit("/", 1)[-1]


def _session(standin, shop, session_id: str):
    return standin.sdk().v1.checkout.sessions.retrieve(session_id, options={"stripe_account": shop.account_id})


async def test_a_pack_opens_checkout_on_the_agencys_account_with_the_contracts_metadata(client, shop, stripe_standin):
    response = await _buy(client, shop, "10")

    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"{stripe_standin.base_url}/c/pay/cs_")
    session = _session(stripe_standin, shop, _session_id(location))
    ids = {"clientpulse_workspace": str(shop.owner.workspace.id), "clientpulse_client": str(shop.client.id)}
    assert session.mode == "payment" and session.amount_total == 1000 and session.currency == "usd"
    assert session.metadata.to_dict() == {**CONTRACT, **ids}
    account = await ledger.account(shop.owner.workspace.id, shop.client.id)
    assert account["stripe_customer_id"] and session.customer == account["stripe_customer_id"]
    customer = stripe_standin.sdk().v1.customers.retrieve(session.customer, options={"stripe_account": shop.account_id})
    assert customer.name == "Acme Rockets" and customer.email == "ap@acme.test", "receipts reach the client"
    brand = session.branding_settings
    assert brand.display_name == "Northwind Studio" and brand.button_color == "#0a7d5a"
    assert brand.logo.url == "https://northwind.test/logo.png"
    assert session.success_url.endswith(f"{shop.url}?checkout=paid&session={{CHECKOUT_SESSION_ID}}")
    assert session.cancel_url.endswith(f"{shop.url}?checkout=cancelled")


async def test_the_payment_carries_the_platforms_fee_saves_the_card_and_repeats_the_metadata(
    client, shop, stripe_standin
):
    session_id = _session_id((await _buy(client, shop, "10")).headers["location"])

    paid = stripe_standin.action("pay_checkout_session", account=shop.account_id, session=session_id)

    intent = stripe_standin.sdk().v1.payment_intents.retrieve(
        paid["payment_intent"], options={"stripe_account": shop.account_id}
    )
    assert intent.amount == 1000 and intent.application_fee_amount == 250, "0.001 × 2,500 credits = $2.50"
    assert intent.setup_future_usage == "off_session"
    assert intent.metadata.to_dict() == _session(stripe_standin, shop, session_id).metadata.to_dict()


async def test_a_custom_amount_buys_its_credits_at_the_current_price(client, shop, stripe_standin):
    response = await _buy(client, shop, "$1,000")

    session = _session(stripe_standin, shop, _session_id(response.headers["location"]))
    assert session.amount_total == 100_000 and session.metadata["clientpulse_credits"] == "250000"


@pytest.mark.parametrize("usd", ["9", "1001", "12.50", "ten", "", "-10"])
async def test_a_custom_amount_outside_whole_dollars_from_10_to_1000_is_refused_clearly(
    client, shop, stripe_standin, usd
):
    await client.get(shop.url)
    stripe_standin.clear_requests()

    response = await _buy(client, shop, usd)

    assert response.status_code == 422
    assert "Enter a whole number of dollars from $10 to $1,000." in response.text
    assert 'aria-invalid="true"' in response.text and "clientpulse" not in response.text.lower()
    assert not stripe_standin.requests(method="POST"), "nothing is asked of Stripe"


async def test_a_double_submit_of_one_attempt_opens_one_session_and_one_customer(client, shop, stripe_standin):
    attempt = "a" * 32

    first = await _buy(client, shop, "25", attempt)
    second = await _buy(client, shop, "25", attempt)

    assert first.headers["location"] == second.headers["location"]
    customers = stripe_standin.objects(shop.account_id, "customers")
    assert len(customers) == 1


async def test_the_customer_is_made_once_and_reused_by_later_purchases(client, shop, stripe_standin):
    first = _session_id((await _buy(client, shop, "10")).headers["location"])
    second = _session_id((await _buy(client, shop, "50")).headers["location"])

    assert first != second
    assert _session(stripe_standin, shop, first).customer == _session(stripe_standin, shop, second).customer
    assert len(stripe_standin.objects(shop.account_id, "customers")) == 1


async def test_when_stripe_fails_the_client_is_told_to_try_again_and_nothing_is_stored(client, shop, stripe_standin):
    await client.get(shop.url)
    stripe_standin.set_faults(fail_next=1, fail_path="/v1/checkout/sessions", fail_status=500)

    response = await _buy(client, shop, "10")

    assert response.status_code == 502
    assert "The payment page couldn't be opened just now. Try again in a moment." in response.text.replace("&#39;", "'")
    assert await CreditEntry.count() == 0


async def test_the_return_from_checkout_says_payment_received_polls_and_never_credits(client, shop, stripe_standin):
    session_id = _session_id((await _buy(client, shop, "10")).headers["location"])
    paid = stripe_standin.action("pay_checkout_session", account=shop.account_id, session=session_id)

    back = await client.get(f"{shop.url}?checkout=paid&session={session_id}")

    assert back.status_code == 200
    assert "Payment received — your credits will appear in a moment." in back.text
    assert f"/balance?pi={paid['payment_intent']}" in back.text and 'hx-trigger="every 2s"' in back.text
    poll = await client.get(f"{shop.url}/balance?pi={paid['payment_intent']}", headers={"HX-Request": "true"})
    assert poll.status_code == 200 and "Waiting for your payment to be confirmed" in poll.text
    assert await CreditEntry.count() == 0, "only Stripe's verified webhook credits"
    assert await ledger.balance(shop.owner.workspace.id, shop.client.id) == 0


async def test_once_the_webhook_credited_the_poll_stops_and_says_so(client, shop, stripe_standin):
    session_id = _session_id((await _buy(client, shop, "10")).headers["location"])
    paid = stripe_standin.action("pay_checkout_session", account=shop.account_id, session=session_id)
    await ledger.append(
        shop.owner.workspace.id, shop.client.id, EntryKind.purchase, 2500, dedupe_key=f"pi:{paid['payment_intent']}"
    )

    poll = await client.get(f"{shop.url}/balance?pi={paid['payment_intent']}", headers={"HX-Request": "true"})

    assert "2,500 credits" in poll.text and "Your credits have arrived." in poll.text
    assert "hx-trigger" not in poll.text


@pytest.mark.parametrize("session", ["cs_test_forged", "not-a-session"])
async def test_a_forged_return_says_nothing_about_a_payment(client, shop, session):
    back = await client.get(f"{shop.url}?checkout=paid&session={session}")

    assert back.status_code == 200 and "Payment received" not in back.text and "hx-trigger" not in back.text


async def test_another_clients_paid_session_is_not_this_clients_payment(client, shop, stripe_standin):
    session_id = _session_id((await _buy(client, shop, "10")).headers["location"])
    stripe_standin.action("pay_checkout_session", account=shop.account_id, session=session_id)
    other = await f.client(shop.owner.workspace.id, "Globex")
    other_token = await links.create(shop.owner.actor, other.id)

    back = await client.get(f"/b/{other_token}?checkout=paid&session={session_id}")

    assert "Payment received" not in back.text


async def test_a_cancelled_checkout_says_nothing_was_charged(client, shop):
    back = await client.get(f"{shop.url}?checkout=cancelled")

    assert "Payment cancelled: nothing was charged." in back.text
    assert 'data-testid="payment-received"' not in back.text and await CreditEntry.count() == 0
