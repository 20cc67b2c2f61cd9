"""POST /api/v1/usage refuses a missing key or a bad body with a clear 400, and records nothing."""

from __future__ import annotations

import pytest

from app.credits import ledger
from tests.integration.usage_support import USAGE, bearer, funded_client, on_agency, spend, token_for, usage_entries


@pytest.fixture(name="agency")
async def fx_agency(alice):
    await on_agency(alice)
    return alice, await token_for(alice), await funded_client(alice.workspace.id, 1000)


async def _assert_refused(alice, client_id, response, status: int, code: str, words: str) -> None:
    assert response.status_code == status and response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code and words in error["message"], error
    assert await usage_entries(alice.workspace.id) == []
    assert await ledger.balance(alice.workspace.id, client_id) == 1000


async def test_a_call_without_an_idempotency_key_gets_a_400_naming_the_header(client, agency):
    alice, secret, client_id = agency
    response = await spend(client, secret, client_id, 10, key=None)
    await _assert_refused(alice, client_id, response, 400, "invalid_parameter", "Send an Idempotency-Key header")
    assert response.json()["error"]["param"] == "Idempotency-Key"


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"], ids=["empty", "overlong", "unprintable"])
async def test_an_empty_overlong_or_unprintable_key_gets_a_400(client, agency, key):
    alice, secret, client_id = agency
    response = await spend(client, secret, client_id, 10, key=key)
    await _assert_refused(alice, client_id, response, 400, "invalid_parameter", "Idempotency-Key")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"client": "#1", "credits": 0}, "credits"),
        ({"client": "#1", "credits": -5}, "credits"),
        ({"client": "#1", "credits": 2.5}, "credits"),
        ({"client": "#1", "credits": "ten"}, "credits"),
        ({"client": "#1", "credits": 100_000_001}, "credits"),
        ({"client": "#1"}, "credits: a required field is missing"),
        ({"credits": 10}, "client: a required field is missing"),
        ({"client": "#1", "credits": 10, "description": "x" * 501}, "description"),
    ],
    ids=["zero", "negative", "fraction", "text", "too-many", "no-credits", "no-client", "long-text"],
)
async def test_a_bad_body_gets_a_400_naming_the_field_and_records_nothing(client, agency, body, words):
    alice, secret, client_id = agency
    body = {name: client_id if value == "#1" else value for name, value in body.items()}
    response = await client.post(USAGE, json=body, headers=bearer(secret, "key-1"))
    await _assert_refused(alice, client_id, response, 400, "invalid_parameter", words)
    assert response.json()["error"]["param"] == words.split(":")[0]


async def test_a_body_that_is_not_json_gets_a_400(client, agency):
    alice, secret, client_id = agency
    headers = bearer(secret, "key-1") | {"Content-Type": "application/json"}
    response = await client.post(USAGE, content=b"client=1&credits=5", headers=headers)
    await _assert_refused(alice, client_id, response, 400, "invalid_request", "JSON is malformed")


async def test_a_client_id_that_does_not_exist_gets_a_404(client, agency):
    alice, secret, client_id = agency
    response = await spend(client, secret, 987654321, 10, "key-1")
    await _assert_refused(alice, client_id, response, 404, "resource_missing", "client")
