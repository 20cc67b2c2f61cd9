"""Owner-only Stripe actions tell a teammate why they are refused (403 with words), and change nothing."""

import json

import pytest

from app.integrations.tables import StripeConnection
from app.stripe_data.purge import PULLED_TABLES
from app.stripe_data.tables import SyncRun
from app.workspaces.services import set_plan
from tests import factories as f
from tests.conftest import login, post_form
from tests.integration.sync_support import link
from tests.plugins.standin import NORTHWIND_DIGITAL

DISCONNECT = "/dashboard/integrations/stripe/disconnect"
DATA = "/dashboard/settings/data"


@pytest.fixture(name="connected")
async def fx_connected(alice, stripe_standin):
    """Alice Agency (Agency plan) connected to Northwind Digital, holding some pulled data."""
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    cust = await f.customer(alice.workspace.id, email="ops@acme.com", account_id=NORTHWIND_DIGITAL)
    await f.invoice(cust)
    await f.finished_sync(alice.workspace.id, NORTHWIND_DIGITAL)
    return alice


async def _counts(workspace_id: int) -> dict[str, int]:
    return {label: await table.count().where(table.workspace == workspace_id) for label, table in PULLED_TABLES.items()}


def _toast(response) -> str:
    trigger = json.loads(response.headers["HX-Trigger"])
    return trigger["toast"]["message"]


async def _still_connected(workspace_id: int, standin) -> bool:
    row = await StripeConnection.objects().where(StripeConnection.workspace == workspace_id).first()
    linked = {a["id"]: a["linked"] for a in standin.accounts()}
    return row.status == "connected" and linked[NORTHWIND_DIGITAL]


async def test_a_teammate_disconnecting_with_a_plain_form_gets_a_403_page_saying_only_owners_may(
    client, connected, bob, stripe_standin
):
    await login(client, bob)
    response = await post_form(client, DISCONNECT, follow_redirects=False)
    assert response.status_code == 403
    assert "Only a workspace owner can disconnect Stripe" in response.text
    assert "Ask an owner of Alice Agency" in response.text
    assert await _still_connected(connected.workspace.id, stripe_standin)


async def test_a_teammate_disconnecting_through_htmx_gets_the_reason_in_an_hx_trigger_toast(
    client, connected, bob, stripe_standin
):
    await login(client, bob)
    response = await post_form(client, DISCONNECT, htmx=True)
    assert response.status_code == 403 and response.headers.get("HX-Reswap") == "none"
    message = _toast(response)
    assert "Only a workspace owner can disconnect Stripe" in message and "Alice Agency" in message
    assert await _still_connected(connected.workspace.id, stripe_standin)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
async def test_a_teammate_purging_is_told_only_owners_may_and_the_data_stays(client, connected, bob, htmx):
    before = await _counts(connected.workspace.id)
    await login(client, bob)
    response = await post_form(client, f"{DATA}/purge", {"confirm": "Alice Agency"}, htmx=htmx)
    assert response.status_code == 403
    text = _toast(response) if htmx else response.text
    assert "Only a workspace owner can purge Stripe data" in text
    assert await _counts(connected.workspace.id) == before and before["invoices"] == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
async def test_a_teammate_asking_to_sync_again_is_told_only_owners_may_and_no_sync_starts(
    client, connected, bob, stripe_standin, htmx
):
    runs_before = await SyncRun.count().where(SyncRun.workspace == connected.workspace.id)
    stripe_standin.clear_requests()
    await login(client, bob)
    response = await post_form(client, f"{DATA}/sync", htmx=htmx, follow_redirects=False)
    assert response.status_code == 403
    text = _toast(response) if htmx else response.text
    assert "Only a workspace owner can start a Stripe sync" in text
    assert await SyncRun.count().where(SyncRun.workspace == connected.workspace.id) == runs_before
    assert stripe_standin.requests(account=NORTHWIND_DIGITAL) == []
    assert await _still_connected(connected.workspace.id, stripe_standin)
