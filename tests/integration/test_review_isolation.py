"""Review unmatched without HTMX: another workspace's customers and clients are out of reach; plain forms work."""

from __future__ import annotations

import pytest

from app.clients.tables import Client, ClientDomain, ClientEmail
from app.stripe_data.tables import CustomerMatch
from tests import factories as f
from tests.conftest import login, post_form

GRID = "/dashboard/integrations/stripe/unmatched"


async def _matches(workspace_id: int) -> list[dict]:
    return (
        await CustomerMatch.select(
            CustomerMatch.customer_id, CustomerMatch.client, CustomerMatch.ignored, CustomerMatch.method
        )
        .where(CustomerMatch.workspace == workspace_id)
        .order_by(CustomerMatch.customer_id)
    )


async def _client_names(workspace_id: int) -> list[str]:
    return sorted(r["name"] for r in await Client.select(Client.name).where(Client.workspace == workspace_id))


@pytest.fixture(name="charlies")
async def fx_charlies(charlie):
    """Charlie Co's own customer, already mapped by Charlie to Charlie's client."""
    theirs = await f.client(charlie.workspace.id, "Charlie Client")
    customer = await f.customer(
        charlie.workspace.id, email="secret@charlie.co", name="Charlie Secret", stripe_id="cus_charlie_secret"
    )
    await f.manual_match(customer, theirs.id)
    return theirs, customer


@pytest.mark.parametrize("action", ["map", "ignore", "create"])
async def test_a_plain_form_action_on_another_workspaces_customer_is_not_found_and_changes_nothing(
    client, alice, charlie, charlies, action
):
    acme = await f.client(alice.workspace.id, "Acme Rockets")
    _, theirs = charlies
    before = (
        await _matches(alice.workspace.id),
        await _matches(charlie.workspace.id),
        await _client_names(alice.workspace.id),
        await _client_names(charlie.workspace.id),
    )
    await login(client, alice)
    response = await post_form(
        client,
        f"{GRID}/{theirs.stripe_id}/{action}",
        {"client": f"#{acme.id}", "name": "Stolen Ltd", "email": "secret@charlie.co"},
        follow_redirects=False,
    )
    assert response.status_code == 404
    assert "We couldn't find that Stripe customer." in response.text.replace("&#39;", "'")
    assert "Charlie Secret" not in response.text and "secret@charlie.co" not in response.text
    after = (
        await _matches(alice.workspace.id),
        await _matches(charlie.workspace.id),
        await _client_names(alice.workspace.id),
        await _client_names(charlie.workspace.id),
    )
    assert after == before
    assert not await ClientEmail.exists().where(ClientEmail.email == "secret@charlie.co")


async def test_bulk_mapping_own_customers_to_another_workspaces_client_is_refused_and_maps_nothing(
    client, alice, charlie, charlies
):
    theirs_client, _ = charlies
    mine = [await f.customer(alice.workspace.id, email=f"pay{i}@lonely{i}.io") for i in range(2)]
    await login(client, alice)
    response = await post_form(
        client,
        f"{GRID}/bulk",
        {"action": "map", "client": f"#{theirs_client.id}", "customer_ids": [c.stripe_id for c in mine]},
        follow_redirects=False,
    )
    assert response.status_code in (404, 422)
    assert "We couldn't find that client." in response.text.replace("&#39;", "'")
    assert "Charlie Client" not in response.text
    assert await _matches(alice.workspace.id) == []
    assert await CustomerMatch.count().where(CustomerMatch.client == theirs_client.id) == 1  # Charlie's own mapping
    grid = await client.get(GRID)
    assert grid.text.count('data-testid="unmatched-row"') == 2


async def test_creating_a_client_with_a_plain_form_redirects_to_the_grid_with_the_client_created_and_mapped(
    client, alice
):
    lone = await f.customer(alice.workspace.id, email="pay@lonely.io", name="Lonely Ltd")
    await f.invoice(lone)
    await login(client, alice)
    response = await post_form(
        client,
        f"{GRID}/{lone.stripe_id}/create",
        {"name": "Lonely Ltd", "email": "pay@lonely.io", "domain": "lonely.io"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == GRID
    created = (
        await Client.objects().where((Client.workspace == alice.workspace.id) & (Client.name == "Lonely Ltd")).first()
    )
    assert created is not None
    assert await ClientEmail.exists().where((ClientEmail.client == created.id) & (ClientEmail.email == "pay@lonely.io"))
    assert await ClientDomain.exists().where((ClientDomain.client == created.id) & (ClientDomain.domain == "lonely.io"))
    assert await _matches(alice.workspace.id) == [
        {"customer_id": lone.stripe_id, "client": created.id, "ignored": False, "method": "manual"}
    ]
    grid = await client.get(response.headers["location"])
    assert "Created client Lonely Ltd." in grid.text
    assert grid.text.count('data-testid="unmatched-row"') == 0
