"""Page numbers and ids past what a database integer holds get a clamped page or a 404, never a 500."""

import pytest

from app.clients.services import ClientInput, create_client
from app.workspaces.services import set_plan
from tests.conftest import login, post_form

INT64_MAX = 2**63 - 1
HUGE = [str(INT64_MAX), str(INT64_MAX + 1), "99999999999999999999", "9" * 40]
# 2**31: past PostgreSQL's SERIAL ids, yet a 64-bit integer the driver would be asked to send as one.
OUT_OF_RANGE_IDS = [str(2**31), str(INT64_MAX + 1), "99999999999999999999", "9" * 40, "0", "-1"]


@pytest.mark.parametrize("page", HUGE)
async def test_a_huge_page_of_clients_shows_an_empty_last_page_not_an_error(client, alice, page):
    await create_client(alice.actor, ClientInput(name="Acme"))
    await login(client, alice)
    response = await client.get("/dashboard/clients", params={"page": page})
    assert response.status_code == 200, response.text[:300]
    assert 'data-testid="client-row"' not in response.text  # far past the last page
    assert (await client.get("/dashboard/clients", params={"page": page, "sort": "revenue"})).status_code == 200


@pytest.mark.parametrize("page", HUGE)
async def test_a_huge_page_of_the_review_grid_is_clamped(client, alice, page):
    await set_plan(alice.workspace.id, "pro")
    await login(client, alice)
    response = await client.get("/dashboard/integrations/stripe/unmatched/", params={"page": page})
    assert response.status_code == 200, response.text[:300]


@pytest.mark.parametrize("client_id", OUT_OF_RANGE_IDS)
async def test_a_client_id_outside_the_database_range_is_not_found(client, alice, client_id):
    await login(client, alice)
    base = f"/dashboard/clients/{client_id}"
    for response in [
        await client.get(base),
        await client.get(f"{base}/edit"),
        await post_form(client, base, {"name": "Acme"}),
        await post_form(client, f"{base}/archive"),
        await post_form(client, f"{base}/restore"),
    ]:
        assert response.status_code == 404, (response.request.url, response.status_code, response.text[:300])
        assert "find" in response.text


@pytest.mark.parametrize("some_id", OUT_OF_RANGE_IDS)
async def test_team_and_outbox_ids_outside_the_database_range_are_not_found(client, alice, some_id):
    await login(client, alice)
    for response in [
        await post_form(client, f"/dashboard/settings/team/{some_id}/remove"),
        await post_form(client, f"/dashboard/settings/team/{some_id}/role", {"role": "owner"}),
        await post_form(client, f"/dashboard/settings/team/invitations/{some_id}/revoke"),
        await client.get(f"/dev/outbox/{some_id}"),
    ]:
        assert response.status_code == 404, (response.request.url, response.status_code, response.text[:300])


@pytest.mark.parametrize("workspace_id", OUT_OF_RANGE_IDS)
async def test_switching_to_a_workspace_id_outside_the_database_range_is_not_found(client, alice, workspace_id):
    await login(client, alice)
    response = await post_form(client, "/workspaces/switch", {"workspace_id": workspace_id})
    assert response.status_code in (400, 404), (response.status_code, response.text[:300])
    assert (await client.get("/dashboard/clients")).status_code == 200  # still signed in, same workspace
