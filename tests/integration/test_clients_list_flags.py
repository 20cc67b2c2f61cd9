"""The clients list's "Cancelling" and "Upsell" badges and filters, from the workspace's kept signals
(app.revenue.cache): Leaving Co's last two payments failed, Loyal Co has paid on time on one price for over a year,
Plain Co has neither; Charlie's workspace has a client with both flags that Alice must never see."""

from __future__ import annotations

import json
from datetime import timedelta

from app.core.timeutil import utcnow
from app.integrations.tables import StripeConnection
from app.revenue import cache
from app.revenue.signals import client_signals
from app.stripe_data import versions
from app.stripe_data.matching import rematch
from app.stripe_data.tables import StripeInvoice, StripeSubscription
from app.workspaces.services import set_plan
from tests import factories as f
from tests.conftest import login


def _names(response) -> list[str]:
    return [chunk.split("</a>", 1)[0] for chunk in response.text.split('data-testid="client-name">')[1:]]


def _row(response, client_id: int) -> str:
    return response.text.split(f'id="client-{client_id}"', 1)[1].split("</tr>", 1)[0]


async def _failing(ws: int, email: str) -> None:
    """Two payments in a row failed: the `failed_payments` cancelling flag."""
    customer = await f.customer(ws, email=email)
    await f.charge(customer, status="failed", paid=False)
    await f.charge(customer, status="failed", paid=False)


async def _loyal(ws: int, email: str) -> None:
    """A live subscription billed for 13 months, every invoice of the last 12 paid at once: `loyal_on_same_price`."""
    customer = await f.customer(ws, email=email)
    sub = await f.subscription(customer)
    stripe_object = {
        "status": "active",
        "items": {"data": [{"quantity": 1, "price": {"unit_amount": 40_000, "recurring": {"interval": "month"}}}]},
    }
    await StripeSubscription.update({StripeSubscription.stripe_object: json.dumps(stripe_object)}).where(
        StripeSubscription.id == sub.id
    )
    now = utcnow()
    for days in (400, 5):
        paid = await f.invoice(customer, total=40_000, created=now - timedelta(days=days))
        await StripeInvoice.update({StripeInvoice.subscription_id: sub.stripe_id}).where(StripeInvoice.id == paid.id)


async def _agency(ws: int, prefix: str = "") -> dict[str, int]:
    await set_plan(ws, "pro")
    ids = {}
    for name in ("Leaving Co", "Loyal Co", "Plain Co"):
        email = f"ap@{prefix}{name.split()[0].lower()}.co"
        ids[name] = (await f.client(ws, prefix + name, emails=(email,))).id
    await _failing(ws, f"ap@{prefix}leaving.co")
    await _loyal(ws, f"ap@{prefix}loyal.co")
    await f.invoice(await f.customer(ws, email=f"ap@{prefix}plain.co"), created=utcnow() - timedelta(days=3))
    await rematch(ws, f.ACCOUNT)
    return ids


async def test_the_data_built_here_flags_exactly_leaving_co_as_cancelling_and_loyal_co_as_an_upsell(alice):
    ids = await _agency(alice.workspace.id)
    signals = await client_signals(alice.workspace.id)
    assert {key: [flag.rule for flag in s.cancelling] for key, s in signals.items() if s.cancelling} == {
        ids["Leaving Co"]: ["failed_payments"]
    }
    assert {key: [flag.rule for flag in s.upsell] for key, s in signals.items() if s.upsell} == {
        ids["Loyal Co"]: ["loyal_on_same_price"]
    }


async def test_each_flagged_client_gets_its_badge_naming_the_rule_and_linking_to_its_reasons(client, alice):
    ids = await _agency(alice.workspace.id)
    await login(client, alice)
    page = await client.get("/dashboard/clients")
    assert page.text.count('data-testid="cancelling-badge"') == 1 and page.text.count('data-testid="upsell-badge"') == 1
    leaving, loyal, plain = (_row(page, ids[name]) for name in ("Leaving Co", "Loyal Co", "Plain Co"))
    assert (
        f'class="badge badge--cancelling" href="/dashboard/clients/{ids["Leaving Co"]}#flags" '
        'data-testid="cancelling-badge" title="Failed payments. The reasons: on the client\'s page.">Cancelling</a>'
    ) in leaving
    assert "upsell-badge" not in leaving
    assert (
        f'class="badge badge--upsell" href="/dashboard/clients/{ids["Loyal Co"]}#flags" data-testid="upsell-badge" '
        'title="Loyal on the same price. The reasons: on the client\'s page.">Upsell</a>'
    ) in loyal
    assert "cancelling-badge" not in loyal
    assert "cancelling-badge" not in plain and "upsell-badge" not in plain
    detail = await client.get(f"/dashboard/clients/{ids['Leaving Co']}")
    assert 'id="flags"' in detail.text and "2 payments in a row failed" in detail.text


async def test_the_cancelling_and_upsell_filters_keep_only_those_clients_in_page_and_fragment(client, alice):
    await _agency(alice.workspace.id)
    await login(client, alice)
    page = await client.get("/dashboard/clients", params={"only": "cancelling"})
    assert _names(page) == ["Leaving Co"] and "<html" in page.text
    assert '<option value="cancelling" selected>Cancelling</option>' in page.text
    assert '<option value="upsell" >Upsell opportunity</option>' in page.text
    fragment = await client.get("/dashboard/clients", params={"only": "upsell"}, headers={"HX-Request": "true"})
    assert _names(fragment) == ["Loyal Co"] and "<html" not in fragment.text
    assert 'data-testid="upsell-badge"' in fragment.text
    export = await client.get("/dashboard/clients/export.csv", params={"only": "cancelling"})
    assert "Leaving Co" in export.text and "Loyal Co" not in export.text and "Plain Co" not in export.text


async def test_another_workspace_s_flagged_clients_never_show_in_badges_or_filters(client, alice, charlie):
    await _agency(charlie.workspace.id, prefix="Outsider ")
    ids = await _agency(alice.workspace.id)
    await login(client, alice)
    for only in ("", "cancelling", "upsell"):
        page = await client.get("/dashboard/clients", params={"only": only}, headers={"HX-Request": "true"})
        assert "Outsider" not in page.text
    assert page.text.count('data-testid="upsell-badge"') == 1 and f"/dashboard/clients/{ids['Loyal Co']}#" in page.text
    everyone = await client.get("/dashboard/clients")
    assert everyone.text.count('data-testid="cancelling-badge"') == 1


async def test_with_stripe_connected_the_list_never_waits_for_the_figures_and_says_the_badges_are_coming(client, alice):
    # A live connection's data changes with every webhook, and rebuilding the figures takes seconds for a large
    # agency: the plain list shows the last figures (or says they are coming) while they are rebuilt behind it.
    ids = await _agency(alice.workspace.id)
    await StripeConnection(
        workspace=alice.workspace.id, stripe_account_id=f.ACCOUNT, account_name="Acme", status="connected"
    ).save()
    await login(client, alice)
    cache.clear()  # as in a web process that has worked out nothing yet (logging in computed the dashboard's)

    first = await client.get("/dashboard/clients")
    assert 'data-testid="flags-pending"' in first.text and "cancelling-badge" not in first.text

    await cache.rebuilt()
    ready = await client.get("/dashboard/clients")
    assert "flags-pending" not in ready.text and f'href="/dashboard/clients/{ids["Leaving Co"]}#flags"' in ready.text

    await versions.bump(alice.workspace.id)  # a webhook's write: the kept figures are out of date
    meanwhile = await client.get("/dashboard/clients", headers={"HX-Request": "true"})
    assert "flags-pending" not in meanwhile.text and 'data-testid="cancelling-badge"' in meanwhile.text
    await cache.rebuilt()
    filtered = await client.get("/dashboard/clients", params={"only": "cancelling"})  # a filter waits: it must be true
    assert _names(filtered) == ["Leaving Co"] and "flags-pending" not in filtered.text
