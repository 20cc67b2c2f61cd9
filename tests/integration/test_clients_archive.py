"""Archiving and restoring: the row fragment for htmx, a redirect to the list for plain forms."""

from app.clients.services import ClientInput, archive_client, create_client, get_client
from tests.conftest import login, post_form


async def test_it_archives_and_answers_htmx_with_the_updated_row(client, alice):
    acme = await create_client(alice.actor, ClientInput(name="Acme", emails=["ops@acme.com"]))
    await login(client, alice)
    response = await post_form(client, f"/dashboard/clients/{acme.id}/archive", htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<tr data-testid="client-row"') and "<html" not in response.text
    assert "Archived" in response.text and f"/dashboard/clients/{acme.id}/restore" in response.text
    assert (await get_client(alice.actor, acme.id)).client.status == "archived"


async def test_it_archives_without_javascript_and_returns_to_the_list(client, alice):
    acme = await create_client(alice.actor, ClientInput(name="Acme"))
    await login(client, alice)
    response = await post_form(client, f"/dashboard/clients/{acme.id}/archive", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard/clients"
    page = await client.get("/dashboard/clients")
    assert "Archived Acme." in page.text and "<html" in page.text


async def test_it_restores_with_htmx_and_without(client, alice):
    acme = await create_client(alice.actor, ClientInput(name="Acme"))
    await archive_client(alice.actor, acme.id)
    await login(client, alice)
    response = await post_form(client, f"/dashboard/clients/{acme.id}/restore", htmx=True)
    assert response.status_code == 200 and "<html" not in response.text
    assert f"/dashboard/clients/{acme.id}/archive" in response.text
    await archive_client(alice.actor, acme.id)
    response = await post_form(client, f"/dashboard/clients/{acme.id}/restore")
    assert response.status_code == 200 and "Restored Acme." in response.text
    assert (await get_client(alice.actor, acme.id)).client.status == "active"


async def test_a_teammate_may_archive_clients(client, alice, bob):
    acme = await create_client(alice.actor, ClientInput(name="Acme"))
    await login(client, bob)
    response = await post_form(client, f"/dashboard/clients/{acme.id}/archive", htmx=True)
    assert response.status_code == 200
    assert (await get_client(alice.actor, acme.id)).client.status == "archived"


async def test_the_detail_page_shows_the_status_and_offers_restore(client, alice):
    acme = await create_client(alice.actor, ClientInput(name="Acme", notes="Line one\nLine two"))
    await archive_client(alice.actor, acme.id)
    await login(client, alice)
    page = await client.get(f"/dashboard/clients/{acme.id}")
    assert "Archived" in page.text and 'data-testid="restore-client"' in page.text
    assert "Line one\nLine two" in page.text
