"""The agency dashboard over a synced stand-in agency: its figures are the revenue services' own (MRR and invoiced
revenue), a workspace without Stripe is invited to connect (the button for Agency owners only), another workspace's
data never shows (kept figures included), kept figures give way as soon as a sync writes, and a client's page shows
its flags and invoiced revenue."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import time_machine

from app.clients.tables import Client
from app.core.timeutil import utcnow
from app.revenue import cache
from app.revenue.dashboard import CHANGE_WINDOW, overview
from app.revenue.services import invoiced_revenue, mrr_history
from app.stripe_data import versions
from app.stripe_data.events import apply_event
from app.stripe_data.tables import StripeInvoice
from app.web.templating import money, money_in
from app.workspaces.services import set_plan
from tests.conftest import PASSWORD, login, post_form
from tests.integration.sync_support import backfill, link, one_client_per_customer
from tests.plugins.standin import NORTHWIND_DIGITAL, NORTHWIND_LABS


def _testid(html: str, testid: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}">([^<]*)<', html)


@pytest.fixture(name="synced")
async def fx_synced(alice, stripe_standin) -> int:
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    assert (await backfill(alice.workspace.id, NORTHWIND_DIGITAL)).status == "done"
    await one_client_per_customer(alice.workspace.id, NORTHWIND_DIGITAL)
    return alice.workspace.id


async def test_log_in_lands_on_the_dashboard(client, alice):
    response = await post_form(client, "/login", {"email": alice.user.email, "password": PASSWORD})
    assert response.headers.get("location", str(response.url)).endswith("/dashboard")


async def test_the_dashboard_shows_the_services_figures_and_lists(client, alice, synced):
    await login(client, alice)
    currency = alice.workspace.currency
    with time_machine.travel(utcnow(), tick=False):
        expected = await overview(synced, alice.workspace.timezone, currency, money=money_in(currency))
        html = (await client.get("/dashboard")).text
    assert expected.mrr_now > 0 and expected.cancelling and expected.overdue
    assert _testid(html, "mrr-now") == [money(expected.mrr_now, currency)]
    assert money(expected.mrr_change, currency) in _testid(html, "mrr-change")[0]
    assert _testid(html, "trend-chart-value") == [money(v, currency) for v in expected.mrr.total]
    assert html.count('data-testid="movements-chart-row"') == len(expected.months)
    last = expected.last_month
    assert _testid(html, "logo-churn") == [f"{last.logo_churn * 100:.1f}%" if last.logo_churn is not None else "—"]
    assert _testid(html, "nrr") == [
        f"{last.net_revenue_retention * 100:.1f}%" if last.net_revenue_retention is not None else "—"
    ]
    for testid, items in (
        ("overdue-list", expected.overdue),
        ("cancelling-list", expected.cancelling),
        ("upsell-list", expected.upsell),
    ):
        section = html.split(f'data-testid="{testid}"', 1)[1].split("</section>", 1)[0]
        assert _testid(section, "listed-client") == [item.name for item in items]
        assert all(f'href="/dashboard/clients/{item.client_id}"' in section for item in items)
    assert 'role="img"' in html and "<title" in html
    assert 'href="/dashboard/revenue/mrr.csv"' in html and 'href="/dashboard/revenue/movements.csv"' in html
    assert 'href="/dashboard/help/metrics#logo-churn-rate"' in html
    reasons = [item.flag.reason for item in expected.upsell]
    assert reasons and all(money(0, currency)[0] in reason for reason in reasons if "grew" in reason)


def _empty_state(html: str) -> str:
    return html.split('data-testid="connect-invitation"', 1)[1].split("</section>", 1)[0]


async def test_an_agency_owner_without_stripe_is_invited_to_connect_with_the_button(client, alice):
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await login(client, alice)
    html = (await client.get("/dashboard")).text
    state = _empty_state(html)
    assert "Connect Stripe to see your revenue" in state
    assert 'href="/dashboard/integrations" data-testid="connect-stripe">Connect Stripe<' in state
    assert 'data-testid="trend-chart"' not in html


@pytest.mark.parametrize("plan", ["free", "pro"])
async def test_a_lower_plan_without_stripe_is_pointed_to_billing_and_sees_no_connect_button(client, alice, plan):
    alice.workspace = await set_plan(alice.workspace.id, plan)
    await login(client, alice)
    state = _empty_state((await client.get("/dashboard")).text)
    assert "Revenue insights come with the Agency plan" in state and 'href="/dashboard/billing"' in state
    assert 'data-testid="connect-stripe"' not in state and "/dashboard/integrations" not in state


async def test_a_lower_plan_teammate_is_pointed_to_billing_too(client, bob):
    await login(client, bob)
    state = _empty_state((await client.get("/dashboard")).text)
    assert 'data-testid="revenue-needs-agency"' in state and 'data-testid="connect-stripe"' not in state


async def test_an_agency_teammate_without_stripe_is_told_an_owner_can_connect_and_gets_no_button(client, alice, bob):
    await set_plan(alice.workspace.id, "agency")
    await login(client, bob)
    state = _empty_state((await client.get("/dashboard")).text)
    assert 'data-testid="owner-connects">An owner of Alice Agency can connect Stripe' in state
    assert 'data-testid="connect-stripe"' not in state and "/dashboard/integrations" not in state


async def test_another_workspace_s_data_never_appears(client, charlie, synced, stripe_standin):
    await link(stripe_standin, charlie.workspace.id, NORTHWIND_LABS)
    await login(client, charlie)
    html = (await client.get("/dashboard")).text
    assert _testid(html, "mrr-now") == [money(0, charlie.workspace.currency)]
    assert 'data-testid="listed-client"' not in html
    names = [row["name"] for row in await Client.select(Client.name).where(Client.workspace == synced)]
    assert names and not any(f">{name}<" in html for name in names)


async def test_a_client_page_shows_its_mrr_history_and_the_rule_that_fired(client, alice, synced):
    await login(client, alice)
    currency = alice.workspace.currency
    flagged = (await overview(synced, alice.workspace.timezone, currency, money=money_in(currency))).cancelling[0]
    html = (await client.get(f"/dashboard/clients/{flagged.client_id}")).text
    assert 'data-testid="client-trend-chart"' in html
    flags = html.split('data-testid="client-flags"', 1)[1].split("</section>", 1)[0]
    assert flagged.flag.reason in flags.replace("&#39;", "'")


async def test_mrr_30_days_ago_is_what_the_history_gives_when_valued_then(synced):
    now = utcnow()
    with_earlier = await mrr_history(synced, now, earlier=now - CHANGE_WINDOW)
    then = await mrr_history(synced, now - CHANGE_WINDOW, count=0)
    assert with_earlier.earlier_total == then.total[-1] > 0
    assert with_earlier.total == (await mrr_history(synced, now)).total


def _invoiced_cells(html: str, testid: str) -> list[str]:
    return _testid(html, f"{testid}-invoiced")


async def test_the_dashboard_shows_invoiced_revenue_beside_mrr_month_by_month(client, alice, synced):
    await login(client, alice)
    currency = alice.workspace.currency
    with time_machine.travel(utcnow(), tick=False):
        invoiced = await invoiced_revenue(synced)
        html = (await client.get("/dashboard")).text
    assert sum(invoiced.total) > 0
    assert _testid(html, "invoiced-now") == [money(invoiced.total[-1], currency)]
    assert _invoiced_cells(html, "trend-chart") == [money(value, currency) for value in invoiced.total]
    assert 'href="/dashboard/help/metrics#invoiced-revenue"' in html


async def test_a_client_page_shows_the_client_s_invoiced_revenue(client, alice, synced):
    await login(client, alice)
    currency = alice.workspace.currency
    with time_machine.travel(utcnow(), tick=False):
        invoiced = await invoiced_revenue(synced)
        client_id, values = next((k, v) for k, v in invoiced.clients.items() if isinstance(k, int) and any(v))
        html = (await client.get(f"/dashboard/clients/{client_id}")).text
    assert _testid(html, "client-invoiced-now") == [money(values[-1], currency)]
    assert _invoiced_cells(html, "client-trend-chart") == [money(value, currency) for value in values]


async def test_kept_figures_are_reused_until_a_sync_writes_then_show_the_new_data(client, alice, synced):
    currency = alice.workspace.currency
    first = await cache.workspace_revenue(synced)
    assert await cache.workspace_revenue(synced) is first  # nothing changed: the kept figures
    row = (
        await StripeInvoice.select(StripeInvoice.stripe_object, StripeInvoice.account_id)
        .where(
            (StripeInvoice.workspace == synced)
            & (StripeInvoice.status == "paid")
            & (StripeInvoice.currency == currency)
        )
        .first()
    )
    invoice = json.loads(row["stripe_object"]) if isinstance(row["stripe_object"], str) else row["stripe_object"]
    now = int(utcnow().timestamp())
    invoice |= {
        "id": "in_paid_just_now",
        "amount_paid": 12_345,
        "created": now,
        "lines": {"data": [], "has_more": False},
    }
    invoice["status_transitions"] = {**(invoice.get("status_transitions") or {}), "paid_at": now}
    event = {"id": "evt_paid_just_now", "type": "invoice.paid", "data": {"object": invoice}}
    assert await apply_event(synced, row["account_id"], event)
    second = await cache.workspace_revenue(synced)
    assert second is not first
    assert second.invoiced.total[-1] == first.invoiced.total[-1] + 12_345
    await login(client, alice)
    html = (await client.get("/dashboard")).text
    assert _testid(html, "invoiced-now") == [money(second.invoiced.total[-1], currency)]


async def test_kept_figures_give_way_to_a_version_changed_by_another_process(synced):
    first = await cache.workspace_revenue(synced)
    # Another process's write: only the token in the database changes, nothing in this process is told.
    await versions.bump(synced)
    assert await cache.workspace_revenue(synced) is not first


async def test_kept_figures_are_rebuilt_once_older_than_their_maximum_age(synced):
    first = await cache.workspace_revenue(synced)
    with time_machine.travel(utcnow() + cache.MAX_AGE + timedelta(seconds=1)):
        assert await cache.workspace_revenue(synced) is not first


async def test_kept_figures_of_one_workspace_never_show_in_another(client, alice, charlie, synced, stripe_standin):
    alices = await cache.workspace_revenue(synced)
    assert alices.mrr.total[-1] > 0
    charlie.workspace = await set_plan(charlie.workspace.id, "agency")
    await link(stripe_standin, charlie.workspace.id, NORTHWIND_LABS)
    assert (await backfill(charlie.workspace.id, NORTHWIND_LABS)).status == "done"
    charlies = await cache.workspace_revenue(charlie.workspace.id)
    fresh = await mrr_history(charlie.workspace.id, utcnow())
    assert charlies is not alices and charlies.mrr.total == fresh.total
    assert not set(charlies.mrr.clients) & set(alices.mrr.clients)
    await login(client, charlie)
    html = (await client.get("/dashboard")).text
    assert _testid(html, "mrr-now") == [money(fresh.total[-1], charlie.workspace.currency)]
    assert await cache.workspace_revenue(synced) is alices
