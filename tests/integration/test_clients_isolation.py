"""Tenant isolation: another workspace's client ids answer 404 on every page and HTMX endpoint."""

import pytest

from app.clients.services import ClientInput, create_client, get_client
from tests.conftest import login, post_form


@pytest.fixture(name="charlies_client")
async def fx_charlies_client(charlie):
    return await create_client(charlie.actor, ClientInput(name="Charlie's secret client", emails=["x@charlie.co"]))


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("suffix", ["", "/edit"])
async def test_it_hides_another_workspaces_client_pages(client, alice, charlies_client, suffix, htmx):
    await login(client, alice)
    response = await client.get(
        f"/dashboard/clients/{charlies_client.id}{suffix}", headers={"HX-Request": "true"} if htmx else {}
    )
    assert response.status_code == 404
    assert "Charlie" not in response.text
    assert ("<html" in response.text) is not htmx


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("suffix", ["", "/archive", "/restore"])
async def test_it_refuses_changes_to_another_workspaces_client(client, alice, charlie, charlies_client, suffix, htmx):
    await login(client, alice)
    response = await post_form(
        client,
        f"/dashboard/clients/{charlies_client.id}{suffix}",
        {"name": "Hijacked", "emails": "x@charlie.co"},
        htmx=htmx,
    )
    assert response.status_code == 404
    detail = await get_client(charlie.actor, charlies_client.id)
    assert detail.client.name == "Charlie's secret client" and detail.client.status == "active"


async def test_it_keeps_another_workspaces_clients_out_of_the_list_and_search(client, alice, charlies_client):
    await login(client, alice)
    page = await client.get("/dashboard/clients", params={"q": "charlie", "status": "all"})
    assert "secret client" not in page.text
