"""The Free plan's limit of 3 active clients, on pages, HTMX requests and restores; paid plans have none."""

import json

from app.clients.services import ClientInput, archive_client, create_client
from app.clients.tables import Client
from app.workspaces.services import set_plan
from tests.conftest import login, post_form

LIMIT_MESSAGE = "The Free plan includes up to 3 clients. Upgrade to add more."


async def _three_clients(persona) -> list[Client]:
    return [await create_client(persona.actor, ClientInput(name=f"Client {i}")) for i in range(3)]


async def test_it_blocks_a_fourth_client_on_free_with_an_upgrade_link(client, alice):
    await _three_clients(alice)
    await login(client, alice)
    response = await post_form(client, "/dashboard/clients", {"name": "Fourth"})
    assert response.status_code == 403
    assert LIMIT_MESSAGE in response.text
    assert 'href="/dashboard/billing"' in response.text and "<html" in response.text
    assert await Client.count() == 3


async def test_it_blocks_a_fourth_client_over_htmx_with_a_toast(client, alice):
    await _three_clients(alice)
    await login(client, alice)
    response = await post_form(client, "/dashboard/clients", {"name": "Fourth"}, htmx=True)
    assert response.status_code == 403
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == LIMIT_MESSAGE
    assert response.headers["HX-Reswap"] == "none"
    assert await Client.count() == 3


async def test_it_warns_on_the_list_and_form_when_the_free_plan_is_full(client, alice):
    await _three_clients(alice)
    await login(client, alice)
    for url in ("/dashboard/clients", "/dashboard/clients/new"):
        page = await client.get(url)
        assert 'data-testid="plan-limit"' in page.text and 'href="/dashboard/billing"' in page.text


async def test_it_does_not_count_archived_clients(client, alice):
    first, *_ = await _three_clients(alice)
    await archive_client(alice.actor, first.id)
    await login(client, alice)
    response = await post_form(client, "/dashboard/clients", {"name": "Fourth"}, follow_redirects=False)
    assert response.status_code == 303


async def test_it_blocks_restoring_a_client_when_three_are_active(client, alice):
    first, *_ = await _three_clients(alice)
    await archive_client(alice.actor, first.id)
    await create_client(alice.actor, ClientInput(name="Newcomer"))
    await login(client, alice)
    response = await post_form(client, f"/dashboard/clients/{first.id}/restore", htmx=True)
    assert response.status_code == 403
    assert LIMIT_MESSAGE in response.headers["HX-Trigger"]
    assert (await Client.objects().get(Client.id == first.id)).status == "archived"


async def test_pro_and_agency_plans_have_no_client_limit(client, alice):
    for plan in ("pro", "agency"):
        await set_plan(alice.workspace.id, plan)
        await login(client, alice)
        for i in range(4):
            response = await post_form(client, "/dashboard/clients", {"name": f"{plan} {i}"}, follow_redirects=False)
            assert response.status_code == 303
    assert await Client.count() == 8
