"""The tab's payouts and application fees as Stripe reports them, with dashboard links, and a clear state when Stripe
is down."""

from __future__ import annotations

import pytest

from app.auto_billing.services import refresh_status
from tests import factories
from tests.integration.auto_billing_support import TAB, payout_account_at_stripe
from tests.integration.credit_activity_support import HX, STRIPE_PANEL, TAB_LIST, on_agency_plan, purchase


@pytest.fixture(name="owner")
async def fx_owner(client, alice, stripe_standin):
    return await on_agency_plan(client, alice)


@pytest.fixture(name="account")
async def fx_account(owner, stripe_standin):
    account = await payout_account_at_stripe(stripe_standin, owner.workspace.id)
    stripe_standin.action("onboard", account=account.stripe_account_id, outcome="finish")
    return account


def paid_pack(standin, account_id: str, fee: int = 250) -> dict:
    """A $10 pack paid on the connected account with our fee, as the billing page's Checkout leaves it."""
    sdk = standin.sdk()
    options = {"stripe_account": account_id}
    customer = sdk.v1.customers.create(params={"email": "buyer@acme.test"}, options=options)
    intent = sdk.v1.payment_intents.create(
        params={
            "amount": 1000,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": "pm_card_visa",
            "confirm": True,
            "off_session": True,
            "application_fee_amount": fee,
        },
        options=options,
    )
    assert intent.status == "succeeded"
    return {"pi": intent.id, "charge": intent.latest_charge}


async def test_the_tab_loads_the_stripe_panel_from_its_own_route(client, owner):
    tab = (await client.get(TAB)).text
    transactions_page = (await client.get(TAB_LIST)).text

    assert f'hx-get="{STRIPE_PANEL}"' in tab and f'href="{STRIPE_PANEL}"' in tab
    assert f'hx-get="{STRIPE_PANEL}"' in transactions_page


async def test_without_a_payout_account_the_panel_says_so(client, owner):
    fragment = await client.get(STRIPE_PANEL, headers=HX)

    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'data-testid="stripe-objects-no-account"' in fragment.text


async def test_application_fees_come_from_stripe_by_charge_with_links_to_the_payment(
    client, owner, account, stripe_standin
):
    acme = await factories.client(owner.workspace.id, "Acme")
    paid = paid_pack(stripe_standin, account.stripe_account_id)
    # The crediting may record the charge or only the PaymentIntent: both lead to the fee.
    await purchase(owner.workspace.id, acme.id, paid["pi"], stripe_charge_id=paid["charge"])
    other = paid_pack(stripe_standin, account.stripe_account_id, fee=500)
    await purchase(owner.workspace.id, acme.id, other["pi"], application_fee_minor=500)

    page = await client.get(STRIPE_PANEL)

    assert page.status_code == 200 and "<html" in page.text
    text = page.text
    assert text.count('data-source="stripe"') == 2 and "stripe-objects-error" not in text
    assert "$2.50" in text and "$5.00" in text
    assert f'href="https://dashboard.stripe.com/{account.stripe_account_id}/test/payments/{paid["pi"]}"' in text


async def test_payouts_show_from_the_accounts_cache_with_links(client, owner, account, stripe_standin):
    stripe_standin.action("create_payout", account=account.stripe_account_id, amount=4200, currency="usd")
    await refresh_status(account.id)

    text = (await client.get(STRIPE_PANEL, headers=HX)).text

    assert text.count('data-testid="stripe-payout-row"') == 1 and "$42.00" in text
    assert f"https://dashboard.stripe.com/{account.stripe_account_id}/test/payouts/po_" in text


async def test_when_stripe_does_not_answer_the_panel_says_so_and_shows_the_recorded_fees(
    client, owner, account, stripe_standin
):
    acme = await factories.client(owner.workspace.id, "Acme")
    await purchase(owner.workspace.id, acme.id, "pi_recorded", stripe_charge_id="ch_recorded")
    stripe_standin.set_faults(fail_next=-1, fail_path="/v1/application_fees", fail_status=503)

    response = await client.get(STRIPE_PANEL, headers=HX)

    assert response.status_code == 200
    assert 'data-testid="stripe-objects-error"' in response.text and "Stripe didn" in response.text
    assert 'data-source="ledger"' in response.text and "$2.50" in response.text
