"""Saving an edited client: htmx gets a 422 form fragment or an HX-Redirect; plain forms a page or a 303."""

import pytest

from app.clients.services import ClientInput, create_client, get_client
from tests.conftest import login, post_form

VALID = {"name": "Acme Rockets", "emails": "ops@acme.com\nnew@acme.com", "domains": "acme.com", "notes": "VIP"}
INVALID = {"name": " ", "emails": "not-an-email", "domains": "", "notes": ""}


@pytest.fixture(name="acme")
async def fx_acme(client, alice):
    """Alice's client Acme, with Alice logged in to edit it."""
    acme = await create_client(alice.actor, ClientInput(name="Acme", emails=["ops@acme.com"]))
    await login(client, alice)
    return acme


async def _edit(client, acme, form: dict, **kwargs):
    return await post_form(client, f"/dashboard/clients/{acme.id}", form, **kwargs)


async def _unchanged(alice, client_id: int) -> None:
    detail = await get_client(alice.actor, client_id)
    assert (detail.client.name, detail.emails, detail.domains) == ("Acme", ["ops@acme.com"], [])


async def _changed(alice, client_id: int) -> None:
    detail = await get_client(alice.actor, client_id)
    assert (detail.client.name, detail.emails, detail.domains, detail.client.notes) == (
        "Acme Rockets",
        ["ops@acme.com", "new@acme.com"],
        ["acme.com"],
        "VIP",
    )


async def test_an_invalid_htmx_edit_answers_422_with_only_the_form_and_changes_nothing(client, alice, acme):
    response = await _edit(client, acme, INVALID, htmx=True)
    assert response.status_code == 422
    assert "<html" not in response.text and 'data-testid="client-form"' in response.text
    assert "Enter the client" in response.text and "is not a valid email address" in response.text
    assert "HX-Redirect" not in response.headers
    await _unchanged(alice, acme.id)


async def test_a_valid_htmx_edit_saves_and_answers_with_an_hx_redirect_to_the_client(client, alice, acme):
    response = await _edit(client, acme, VALID, htmx=True)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/dashboard/clients/{acme.id}"
    await _changed(alice, acme.id)
    page = await client.get(response.headers["HX-Redirect"])
    assert "Saved Acme Rockets." in page.text


async def test_an_invalid_plain_edit_answers_422_with_the_whole_page_and_the_error(client, alice, acme):
    response = await _edit(client, acme, INVALID, follow_redirects=False)
    assert response.status_code == 422
    assert "<html" in response.text and 'data-testid="client-form"' in response.text
    assert "Enter the client" in response.text and 'aria-invalid="true"' in response.text
    await _unchanged(alice, acme.id)


async def test_a_valid_plain_edit_saves_and_redirects_with_303_to_the_client(client, alice, acme):
    response = await _edit(client, acme, VALID, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/dashboard/clients/{acme.id}"
    await _changed(alice, acme.id)
