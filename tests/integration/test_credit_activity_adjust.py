"""The owner's adjustment on a client's page: validated, recorded once with its reason, owners only."""

from __future__ import annotations

import pytest

from app.credits import ledger
from app.credits.tables import CreditEntry
from tests import factories
from tests.conftest import login, post_form
from tests.integration.credit_activity_support import (
    HX,
    adjust_url,
    client_credits,
    on_agency_plan,
    purchase,
)

NONCE = "0123456789abcdef0123456789abcdef"


@pytest.fixture(name="owner")
async def fx_owner(client, alice):
    return await on_agency_plan(client, alice)


@pytest.fixture(name="acme")
async def fx_acme(owner):
    acme = await factories.client(owner.workspace.id, "Acme")
    await purchase(owner.workspace.id, acme.id, "pi_acme")
    return acme


async def test_an_owner_records_an_adjustment_with_its_reason_and_sees_it_in_the_list(client, owner, acme):
    response = await post_form(
        client, adjust_url(acme.id), {"credits": "+1,000", "reason": "Goodwill for the outage"}, htmx=True
    )

    assert response.status_code == 200 and "<html" not in response.text
    assert 'data-testid="adjust-notice">Recorded an adjustment of +1,000 credits.' in response.text
    assert 'data-testid="credit-balance">3,500<' in response.text
    entry = await CreditEntry.objects().where(CreditEntry.kind == "adjustment").first()
    assert entry.credits == 1000 and entry.description == "Goodwill for the outage"
    assert entry.created_by == owner.user.id and entry.balance_after == 3500
    assert "Goodwill for the outage" in response.text and "by Alice" in response.text


async def test_without_javascript_the_adjustment_redirects_to_the_credits_page_with_a_message(client, owner, acme):
    response = await post_form(
        client, adjust_url(acme.id), {"credits": "-500", "reason": "Double-counted run"}, follow_redirects=False
    )

    assert response.status_code == 303 and response.headers["location"] == client_credits(acme.id)
    page = (await client.get(client_credits(acme.id))).text
    assert "Recorded an adjustment of -500 credits." in page and 'data-testid="credit-balance">2,000<' in page


async def test_the_same_form_sent_twice_records_once(client, owner, acme):
    form = {"credits": "250", "reason": "Bonus", "nonce": NONCE}
    await post_form(client, adjust_url(acme.id), form, htmx=True)
    again = await post_form(client, adjust_url(acme.id), form, htmx=True)

    assert "already recorded" in again.text
    assert await ledger.balance(owner.workspace.id, acme.id) == 2750
    assert await CreditEntry.count().where(CreditEntry.kind == "adjustment") == 1


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"credits": "", "reason": "x"}, "credits", "Enter a whole number of credits"),
        ({"credits": "1.5", "reason": "x"}, "credits", "Enter a whole number of credits"),
        ({"credits": "=1+1", "reason": "x"}, "credits", "Enter a whole number of credits"),
        ({"credits": "0", "reason": "x"}, "credits", "other than 0"),
        ({"credits": "1000001", "reason": "x"}, "credits", "at most 1,000,000 credits"),
        ({"credits": "-2501", "reason": "x"}, "credits", "Take away at most 2,500."),
        ({"credits": "10", "reason": "   "}, "reason", "Enter a reason"),
        ({"credits": "10", "reason": "x" * 501}, "reason", "under 500 characters"),
    ],
)
async def test_bad_input_gets_a_message_a_422_and_changes_nothing(client, owner, acme, form, field, message):
    for htmx in (True, False):
        response = await post_form(client, adjust_url(acme.id), form, htmx=htmx)

        assert response.status_code == 422
        assert f'id="{field}-error"' in response.text and message in response.text.replace("&#39;", "'")
        assert ("<html" in response.text) is not htmx
    assert await ledger.balance(owner.workspace.id, acme.id) == 2500
    assert await CreditEntry.count().where(CreditEntry.kind == "adjustment") == 0


async def test_a_teammate_sees_the_list_but_not_the_form_and_a_crafted_post_is_refused(client, owner, bob, acme):
    await login(client, bob)

    section = (await client.get(client_credits(acme.id), headers=HX)).text
    crafted = await post_form(client, adjust_url(acme.id), {"credits": "5000", "reason": "free credits"})
    crafted_htmx = await post_form(client, adjust_url(acme.id), {"credits": "5000", "reason": "x"}, htmx=True)

    assert 'data-testid="transaction-row"' in section and 'data-testid="adjust-form"' not in section
    assert crafted.status_code == 403 and crafted_htmx.status_code == 403
    assert await ledger.balance(owner.workspace.id, acme.id) == 2500


async def test_an_owner_sees_the_form(client, owner, acme):
    section = (await client.get(client_credits(acme.id), headers=HX)).text

    assert 'data-testid="adjust-form"' in section and 'name="nonce"' in section


async def test_another_workspaces_client_is_not_found_on_every_route(client, owner, charlie):
    theirs = await factories.client(charlie.workspace.id, "Theirs")
    await purchase(charlie.workspace.id, theirs.id, "pi_theirs")

    for htmx in (False, True):
        headers = HX if htmx else {}
        assert (await client.get(client_credits(theirs.id), headers=headers)).status_code == 404
        assert (
            await client.get("/dashboard/auto-billing/transactions", params={"client": theirs.id})
        ).status_code == 404
        assert (
            await client.get("/dashboard/auto-billing/transactions.csv", params={"client": theirs.id})
        ).status_code == 404
        posted = await post_form(client, adjust_url(theirs.id), {"credits": "5", "reason": "x"}, htmx=htmx)
        assert posted.status_code == 404
    assert await ledger.balance(charlie.workspace.id, theirs.id) == 2500
    listed = (await client.get("/dashboard/auto-billing/transactions")).text
    assert "Theirs" not in listed and 'data-testid="no-transactions"' in listed
