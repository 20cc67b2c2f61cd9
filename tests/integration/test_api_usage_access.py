"""Who may spend or read a client's credits: only a live token of the client's own Agency workspace.

A token acts for its workspace, whoever made it, and only owners make them: a teammate has no token of their own
and the session cookie is no key to the API, so a teammate (or anyone signed in) cannot spend a client's credits.
"""

from __future__ import annotations

import pytest

from app.api import tokens
from app.core.errors import PermissionDenied
from app.credits import ledger
from app.workspaces.services import set_plan
from tests.conftest import login, post_form
from tests.integration.usage_support import bearer, funded_client, on_agency, spend, token_for, usage_entries


@pytest.fixture(name="agency")
async def fx_agency(alice):
    await on_agency(alice)
    return alice, await token_for(alice), await funded_client(alice.workspace.id, 1000)


def _paths(client_id: int) -> list[str]:
    return [f"/api/v1/clients/{client_id}/credits", f"/api/v1/clients/{client_id}/credits/ledger"]


async def test_another_workspaces_token_gets_404_for_this_workspaces_client_and_spends_nothing(client, agency, charlie):
    alice, _, client_id = agency
    outsider = await token_for(await on_agency(charlie))

    response = await spend(client, outsider, client_id, 10, "crafted")
    assert response.status_code == 404 and response.json()["error"]["code"] == "resource_missing"
    for path in _paths(client_id):
        assert (await client.get(path, headers=bearer(outsider))).status_code == 404
    assert await usage_entries(alice.workspace.id) == [] and await ledger.balance(alice.workspace.id, client_id) == 1000


async def test_a_key_is_its_workspaces_own_so_another_workspace_reusing_it_is_not_a_replay(client, agency, charlie):
    _, secret, client_id = agency
    await on_agency(charlie)
    theirs = await funded_client(charlie.workspace.id, 500, "Charlie's client")
    assert (await spend(client, secret, client_id, 10, "shared-key")).status_code == 201

    response = await spend(client, await token_for(charlie), theirs, 10, "shared-key")
    assert response.status_code == 201 and response.json()["balance_after"] == 490


async def test_a_revoked_token_gets_401_and_spends_nothing(client, agency):
    alice, secret, client_id = agency
    [token] = await tokens.list_tokens(alice.actor)
    await tokens.revoke_token(alice.actor, token.id)

    response = await spend(client, secret, client_id, 10, "after-revoke")
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"
    for path in _paths(client_id):
        assert (await client.get(path, headers=bearer(secret))).status_code == 401
    assert await usage_entries(alice.workspace.id) == []


async def test_a_teammates_session_without_a_token_gets_401(client, agency, bob):
    alice, _, client_id = agency
    await login(client, bob)

    body = {"client": client_id, "credits": 10, "description": ""}
    response = await client.post("/api/v1/usage", json=body, headers={"Idempotency-Key": "from-a-session"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "missing_token"
    for path in _paths(client_id):
        assert (await client.get(path)).status_code == 401
    assert await usage_entries(alice.workspace.id) == []


async def test_a_teammate_cannot_make_a_token(client, agency, bob):
    alice, _, _ = agency
    with pytest.raises(PermissionDenied):
        await tokens.create_token(bob.actor, "Bob's own")
    await login(client, bob)
    response = await post_form(client, "/dashboard/settings/api/tokens", {"name": "Bob's own"})
    assert response.status_code == 403
    assert len(await tokens.list_tokens(alice.actor)) == 1


async def test_a_workspace_without_auto_billing_gets_403(client, agency):
    alice, secret, client_id = agency
    await set_plan(alice.workspace.id, "pro")

    response = await spend(client, secret, client_id, 10, "on-pro")
    assert response.status_code == 403 and response.json()["error"]["code"] == "plan_required"
    assert "Auto Billing is only available on the Agency plan" in response.json()["error"]["message"]
    assert (await client.get(_paths(client_id)[0], headers=bearer(secret))).status_code == 403
    assert await usage_entries(alice.workspace.id) == []
