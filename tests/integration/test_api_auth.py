"""The JSON API's door: a live token of the workspace gets in; no token, a garbled or a revoked one gets a JSON 401."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from app.api import tokens
from app.api.tables import ApiToken
from app.core.timeutil import utcnow
from tests.conftest import login

CLIENTS = "/api/v1/clients"


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _assert_401(response, code: str) -> None:
    assert response.status_code == 401 and response.headers["content-type"].startswith("application/json")
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]


async def test_a_live_token_reads_and_its_last_use_is_recorded(client, alice):
    new = await tokens.create_token(alice.actor, "Zapier")
    response = await client.get(CLIENTS, headers=_bearer(new.secret))
    assert response.status_code == 200 and response.json()["object"] == "list"
    row = await ApiToken.objects().where(ApiToken.id == new.token.id).first()
    assert row.last_used_at is not None


async def test_last_use_is_written_at_most_once_a_minute(client, alice):
    new = await tokens.create_token(alice.actor, "Zapier")

    async def last_used_after_a_request():
        assert (await client.get(CLIENTS, headers=_bearer(new.secret))).status_code == 200
        return (await ApiToken.objects().where(ApiToken.id == new.token.id).first()).last_used_at

    start = utcnow()
    with time_machine.travel(start, tick=False):
        first = await last_used_after_a_request()
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert await last_used_after_a_request() == first
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        assert await last_used_after_a_request() == start + timedelta(minutes=2)


async def test_a_request_without_a_token_gets_a_401_naming_the_header(client, alice):
    response = await client.get(CLIENTS)
    _assert_401(response, "missing_token")
    assert "Authorization: Bearer" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "header",
    ["Bearer cp_not-a-real-token", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer " + "cp_" + "x" * 500],
    ids=["unknown", "no-prefix", "basic-auth", "overlong"],
)
async def test_a_garbled_or_unknown_token_gets_a_401(client, alice, header):
    await tokens.create_token(alice.actor, "Zapier")
    response = await client.get(CLIENTS, headers={"Authorization": header})
    _assert_401(response, "missing_token" if header.startswith("Basic") else "invalid_token")


async def test_a_revoked_token_gets_a_401_at_once(client, alice):
    new = await tokens.create_token(alice.actor, "Zapier")
    assert (await client.get(CLIENTS, headers=_bearer(new.secret))).status_code == 200
    await tokens.revoke_token(alice.actor, new.token.id)
    _assert_401(await client.get(CLIENTS, headers=_bearer(new.secret)), "invalid_token")


async def test_a_signed_in_session_is_no_key_to_the_api(client, alice):
    await login(client, alice)
    _assert_401(await client.get(CLIENTS), "missing_token")


async def test_the_api_answers_without_setting_session_or_csrf_cookies(client, alice):
    new = await tokens.create_token(alice.actor, "Zapier")
    response = await client.get(CLIENTS, headers=_bearer(new.secret))
    assert response.status_code == 200 and "set-cookie" not in response.headers


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/v1/nothing", 404, "resource_missing"),
        ("GET", "/api/v1/clients/abc", 404, "resource_missing"),
        ("POST", "/api/v1/clients", 405, "method_not_allowed"),
    ],
)
async def test_an_unknown_address_or_method_under_the_api_answers_json(client, method, path, status, code):
    response = await client.request(method, path)
    assert response.status_code == status and response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["code"] == code
