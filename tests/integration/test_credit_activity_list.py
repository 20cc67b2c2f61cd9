"""The transactions list in the Auto Billing tab and on a client's page: what it shows, its filters and its pages."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from app.core.timeutil import utcnow
from app.credits import ledger
from app.credits.tables import CreditAccount, CreditEntry, EntryKind
from tests import factories
from tests.integration.auto_billing_support import TAB
from tests.integration.credit_activity_support import (
    HX,
    TAB_LIST,
    client_credits,
    on_agency_plan,
    purchase,
    usage,
)


@pytest.fixture(name="owner")
async def fx_owner(client, alice):
    return await on_agency_plan(client, alice)


def rows_of(page: str) -> int:
    return page.count('data-testid="transaction-row"')


async def test_the_tab_loads_its_transactions_section_from_its_own_route_and_links_to_it_without_javascript(
    client, owner
):
    tab = (await client.get(TAB)).text

    assert 'data-testid="credit-activity-shell"' in tab and "<h2>Monitoring Transactions</h2>" in tab
    assert "<h2>Monitoring Transactions</h2>" in (await client.get(TAB_LIST, headers={"HX-Request": "true"})).text
    assert f'hx-get="{TAB_LIST}"' in tab and f'href="{TAB_LIST}"' in tab


async def test_the_list_shows_each_entry_with_client_kind_credits_money_prices_and_fee(client, owner):
    acme = await factories.client(owner.workspace.id, "Acme")
    await purchase(owner.workspace.id, acme.id, "pi_acme1")
    await usage(owner.workspace.id, acme.id, 300, "Report runs")

    fragment = await client.get(TAB_LIST, headers=HX)
    page = await client.get(TAB_LIST)

    assert fragment.status_code == 200 and page.status_code == 200
    assert "<html" not in fragment.text and "<html" in page.text
    assert fragment.headers["vary"] == "HX-Request"
    text = fragment.text
    assert rows_of(text) == 2 and text.index('data-kind="usage"') < text.index('data-kind="purchase"')
    assert "+2,500" in text and "-300" in text and "Report runs" in text
    assert "$10.00" in text and "$2.50" in text  # the amount paid and our application fee
    assert "$0.004" in text and "ours $0.001 + yours $0.003" in text
    assert 'data-testid="total-purchase">+2,500 credits · $10.00 · application fees $2.50<' in text
    assert 'data-testid="total-usage">-300 credits<' in text


async def test_hostile_client_names_and_descriptions_are_escaped(client, owner):
    evil = await factories.client(owner.workspace.id, "<script>alert(1)</script>")
    await purchase(owner.workspace.id, evil.id, "pi_evil")
    await usage(owner.workspace.id, evil.id, 1, '<img src=x onerror="alert(2)">')

    for url in (TAB_LIST, client_credits(evil.id)):
        text = (await client.get(url, headers=HX)).text
        assert "<script>alert(1)" not in text and "<img src=x" not in text
        assert "&lt;img src=x onerror=" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (await client.get(TAB_LIST)).text


async def test_filters_by_kind_client_and_dates_narrow_the_list_and_the_export_link_keeps_them(client, owner):
    acme = await factories.client(owner.workspace.id, "Acme")
    globex = await factories.client(owner.workspace.id, "Globex")
    await purchase(owner.workspace.id, acme.id, "pi_a")
    await purchase(owner.workspace.id, globex.id, "pi_g")
    await usage(owner.workspace.id, globex.id, 10)
    old = await usage(owner.workspace.id, acme.id, 5)
    await CreditEntry.update({CreditEntry.created_at: utcnow() - timedelta(days=40)}).where(
        CreditEntry.id == old.entry["id"]
    )
    today = utcnow().date()

    by_kind = (await client.get(TAB_LIST, params={"kind": "usage"}, headers=HX)).text
    by_client = (await client.get(TAB_LIST, params={"client": str(globex.id)}, headers=HX)).text
    recent = (await client.get(TAB_LIST, params={"start": (today - timedelta(days=7)).isoformat()}, headers=HX)).text
    old_only = (await client.get(TAB_LIST, params={"end": (today - timedelta(days=30)).isoformat()})).text

    assert rows_of(by_kind) == 2 and 'data-kind="purchase"' not in by_kind
    assert rows_of(by_client) == 2 and 'data-testid="transaction-client">Acme<' not in by_client
    assert f"/dashboard/auto-billing/transactions.csv?client={globex.id}" in by_client
    assert rows_of(recent) == 3
    assert rows_of(old_only) == 1 and "-5" in old_only


async def test_the_filter_form_works_without_javascript_and_htmx_swaps_only_the_list(client, owner):
    page = (await client.get(TAB_LIST)).text

    form = page[page.index('data-testid="transaction-filters"') - 200 :]
    assert f'method="get" action="{TAB_LIST}"' in form and "<noscript>" in form
    assert 'hx-select="#credit-activity-list"' in form


async def test_pages_of_25_with_links_that_keep_their_href_and_filters(client, owner):
    acme = await factories.client(owner.workspace.id, "Acme")
    await purchase(owner.workspace.id, acme.id, "pi_big", credits=100_000)
    for _ in range(30):
        await usage(owner.workspace.id, acme.id, 1)

    first = (await client.get(TAB_LIST, params={"kind": "usage"}, headers=HX)).text
    second = (await client.get(TAB_LIST, params={"kind": "usage", "page": "2"}, headers=HX)).text

    assert rows_of(first) == 25 and rows_of(second) == 5
    assert "1–25 of 30 transactions" in first
    assert 'data-testid="total-usage">-30 credits<' in second  # totals count every page, not the one shown
    assert f'href="{TAB_LIST}?kind=usage&amp;page=2"' in first
    assert f'hx-get="{TAB_LIST}?kind=usage&amp;page=2"' in first and 'hx-target="#credit-activity"' in first
    assert f'href="{TAB_LIST}?kind=usage"' in second  # back to page 1


async def test_empty_states_tell_no_transactions_yet_from_no_match(client, owner):
    nothing = (await client.get(TAB_LIST, headers=HX)).text
    acme = await factories.client(owner.workspace.id, "Acme")
    await purchase(owner.workspace.id, acme.id, "pi_1")
    no_match = (await client.get(TAB_LIST, params={"kind": "refund"}, headers=HX)).text

    assert 'data-testid="no-transactions"' in nothing
    assert 'data-testid="no-matching-transactions"' in no_match and 'data-testid="clear-filters"' in no_match


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kind": "gift"}, "Choose a kind of transaction from the list."),
        ({"client": "abc"}, "Choose a client from the list."),
        ({"start": "2026-13-01"}, "Enter the start date as a date (YYYY-MM-DD)."),
        ({"start": "2026-05-02", "end": "2026-05-01"}, "The start date is after the end date."),
    ],
)
async def test_bad_filters_get_a_message_and_a_422(client, owner, params, message):
    response = await client.get(TAB_LIST, params=params)

    assert response.status_code == 422
    assert html.escape(message, quote=True) in response.text or message in response.text


async def test_stripe_dashboard_links_are_built_from_the_payout_account_and_escaped(client, owner, stripe_standin):
    from tests.integration.auto_billing_support import payout_account_at_stripe

    account = await payout_account_at_stripe(stripe_standin, owner.workspace.id)
    acme = await factories.client(owner.workspace.id, "Acme")
    await purchase(owner.workspace.id, acme.id, "pi_123")
    await ledger.append(
        owner.workspace.id,
        acme.id,
        EntryKind.refund,
        -100,
        dedupe_key="refund:x",
        stripe_refund_id="re_1",
        stripe_charge_id='ch_1"/<b>',
    )

    text = (await client.get(TAB_LIST, headers=HX)).text

    base = f"https://dashboard.stripe.com/{account.stripe_account_id}/test"
    assert f'href="{base}/payments/pi_123"' in text
    assert f'href="{base}/payments/ch_1%22%2F%3Cb%3E"' in text and "Refunded payment in Stripe" in text
    assert "<b>" not in text


async def test_the_client_page_loads_its_credits_section_on_the_agency_plan_only(client, owner, alice):
    acme = await factories.client(owner.workspace.id, "Acme")
    page = (await client.get(f"/dashboard/clients/{acme.id}")).text
    assert f'hx-get="{client_credits(acme.id)}"' in page

    from app.workspaces.services import set_plan

    await set_plan(owner.workspace.id, "pro")
    page = (await client.get(f"/dashboard/clients/{acme.id}")).text
    assert "client-credits-shell" not in page
    assert (await client.get(client_credits(acme.id))).status_code == 403
    assert (await client.get(TAB_LIST)).status_code == 403


async def test_the_client_section_shows_the_balance_and_only_that_clients_entries(client, owner):
    acme = await factories.client(owner.workspace.id, "Acme")
    globex = await factories.client(owner.workspace.id, "Globex")
    await purchase(owner.workspace.id, acme.id, "pi_a")
    await usage(owner.workspace.id, acme.id, 500)
    await purchase(owner.workspace.id, globex.id, "pi_g")

    fragment = (await client.get(client_credits(acme.id), headers=HX)).text
    page = (await client.get(client_credits(acme.id), params={"kind": "usage"})).text

    assert "<html" not in fragment and 'data-testid="credit-balance">2,000<' in fragment
    assert rows_of(fragment) == 2 and "pi_g" not in fragment
    assert "<html" in page and rows_of(page) == 1
    assert f"/dashboard/auto-billing/transactions.csv?kind=usage&amp;client={acme.id}" in page


async def test_looking_at_a_client_without_credits_creates_nothing(client, owner):
    acme = await factories.client(owner.workspace.id, "Acme")

    text = (await client.get(client_credits(acme.id), headers=HX)).text

    assert 'data-testid="credit-balance">0<' in text and 'data-testid="no-transactions"' in text
    assert await CreditAccount.count() == 0
