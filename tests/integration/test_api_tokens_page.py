"""Settings → API: owners make and revoke tokens, the secret shows once and only its hash is kept; teammates look."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from app.api import tokens
from app.api.tables import ApiToken
from tests.conftest import login, post_form

PAGE = "/dashboard/settings/api"


def _secret(text: str) -> str:
    found = re.search(r'value="(cp_[A-Za-z0-9_-]+)" data-testid="new-token-secret"', text)
    assert found, "the new token's secret should be on the page"
    return found.group(1)


async def _rows(workspace_id: int) -> list[dict]:
    return await ApiToken.select().where(ApiToken.workspace == workspace_id).order_by(ApiToken.id)


async def test_the_page_lists_the_workspace_tokens_with_the_create_form_for_an_owner(client, alice, charlie):
    await tokens.create_token(alice.actor, "Zapier")
    await tokens.create_token(charlie.actor, "Charlie's reporting")
    await login(client, alice)
    response = await client.get(PAGE)
    assert response.status_code == 200 and "<html" in response.text and 'data-testid="settings-tabs"' in response.text
    assert "Zapier" in response.text and "Charlie's reporting" not in response.text
    assert "by alice@alice-agency.com" in response.text
    assert 'data-testid="token-form"' in response.text and 'data-testid="revoke-token"' in response.text


async def test_a_teammate_sees_the_list_without_the_form_or_revoke_buttons(client, alice, bob):
    await tokens.create_token(alice.actor, "Zapier")
    await login(client, bob)
    response = await client.get(PAGE)
    assert response.status_code == 200 and "Zapier" in response.text
    assert 'data-testid="token-form"' not in response.text and 'data-testid="revoke-token"' not in response.text
    assert "Only a workspace owner can create or revoke API tokens." in response.text


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
async def test_creating_a_token_shows_its_secret_once_and_stores_only_its_hash(client, alice, htmx):
    await login(client, alice)
    response = await post_form(client, f"{PAGE}/tokens", {"name": "  Zapier  "}, htmx=htmx)
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert ("<html" in response.text) is not htmx and 'id="api-tokens"' in response.text
    secret = _secret(response.text)
    assert "won't be shown again" in response.text
    [row] = await _rows(alice.workspace.id)
    assert row["name"] == "Zapier" and row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps(row, default=str) and row["prefix"] == secret[:10]
    again = await client.get(PAGE)
    assert secret not in again.text and f"{secret[:10]}…" in again.text


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
async def test_a_nameless_token_is_refused_with_the_reason_beside_the_field(client, alice, htmx):
    await login(client, alice)
    response = await post_form(client, f"{PAGE}/tokens", {"name": "   "}, htmx=htmx)
    assert response.status_code == 422 and "Name the token after what will use it" in response.text
    assert ("<html" in response.text) is not htmx
    assert await _rows(alice.workspace.id) == []


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
async def test_revoking_a_token_marks_it_revoked_and_it_stops_working(client, alice, htmx):
    new = await tokens.create_token(alice.actor, "Zapier")
    await login(client, alice)
    response = await post_form(client, f"{PAGE}/tokens/{new.token.id}/revoke", htmx=htmx, follow_redirects=False)
    if htmx:
        assert response.status_code == 200 and 'data-testid="token-revoked"' in response.text
        assert "<html" not in response.text
    else:
        assert response.status_code == 303 and response.headers["location"] == PAGE
    [row] = await _rows(alice.workspace.id)
    assert row["revoked_at"] is not None
    assert await tokens.authenticate(new.secret) is None


def _refusal(response, htmx: bool) -> str:
    return json.loads(response.headers["HX-Trigger"])["toast"]["message"] if htmx else response.text


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
async def test_a_teammate_creating_a_token_is_told_only_owners_may_and_nothing_is_made(client, alice, bob, htmx):
    await login(client, bob)
    response = await post_form(client, f"{PAGE}/tokens", {"name": "Sneaky"}, htmx=htmx)
    assert response.status_code == 403
    assert "Only a workspace owner can create API tokens" in _refusal(response, htmx)
    assert await _rows(alice.workspace.id) == []


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
async def test_a_teammate_revoking_a_token_is_told_only_owners_may_and_the_token_still_works(client, alice, bob, htmx):
    new = await tokens.create_token(alice.actor, "Zapier")
    await login(client, bob)
    response = await post_form(client, f"{PAGE}/tokens/{new.token.id}/revoke", htmx=htmx)
    assert response.status_code == 403
    assert "Only a workspace owner can revoke API tokens" in _refusal(response, htmx)
    assert (await _rows(alice.workspace.id))[0]["revoked_at"] is None
    assert await tokens.authenticate(new.secret) is not None


async def test_an_owner_cannot_revoke_another_workspace_token(client, alice, charlie):
    theirs = await tokens.create_token(charlie.actor, "Charlie's reporting")
    await login(client, alice)
    response = await post_form(client, f"{PAGE}/tokens/{theirs.token.id}/revoke")
    assert response.status_code == 404
    assert await tokens.authenticate(theirs.secret) is not None
