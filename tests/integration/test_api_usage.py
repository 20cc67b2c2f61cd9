"""POST /api/v1/usage: credits are spent once per Idempotency-Key, never below zero, and bad requests change nothing."""

from __future__ import annotations

import asyncio

import pytest

from app.credits import ledger
from tests.integration.usage_support import (
    USAGE,
    bearer,
    concurrent_client,
    funded_client,
    on_agency,
    spend,
    token_for,
    usage_entries,
)


@pytest.fixture(name="agency")
async def fx_agency(alice):
    """Alice's workspace on Agency, her token, and a client holding 1,000 credits."""
    await on_agency(alice)
    return alice, await token_for(alice), await funded_client(alice.workspace.id, 1000)


async def test_usage_is_recorded_with_the_balance_after_it(client, agency):
    alice, secret, client_id = agency
    response = await spend(client, secret, client_id, 300, "call-1", "300 emails sent")

    assert response.status_code == 201 and "idempotent-replayed" not in response.headers
    body = response.json()
    assert body["object"] == "usage" and body["client"] == client_id and body["credits"] == 300
    assert body["balance_after"] == 700 and body["description"] == "300 emails sent" and body["created"] > 0
    [entry] = await usage_entries(alice.workspace.id)
    assert entry["id"] == body["id"] and entry["credits"] == -300
    assert entry["dedupe_key"] == f"usage:{alice.workspace.id}:call-1"
    assert await ledger.balance(alice.workspace.id, client_id) == 700


async def test_the_same_key_and_body_twice_record_once_and_answer_the_first_result(client, agency):
    alice, secret, client_id = agency
    first = await spend(client, secret, client_id, 300, "call-1")
    await spend(client, secret, client_id, 100, "call-2")
    again = await spend(client, secret, client_id, 300, "call-1")

    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    assert len(await usage_entries(alice.workspace.id)) == 2
    assert await ledger.balance(alice.workspace.id, client_id) == 600


@pytest.mark.parametrize(
    "changed",
    [{"credits": 301}, {"description": "something else"}, {"client": "other"}],
    ids=["credits", "description", "client"],
)
async def test_the_same_key_with_another_body_gets_a_409_and_changes_nothing(client, agency, changed):
    alice, secret, client_id = agency
    other = await funded_client(alice.workspace.id, 1000, "Other Co")
    assert (await spend(client, secret, client_id, 300, "call-1")).status_code == 201
    body = {"client": client_id, "credits": 300, "description": "API calls"} | changed
    body["client"] = other if body["client"] == "other" else body["client"]

    response = await client.post(USAGE, json=body, headers=bearer(secret, "call-1"))

    assert response.status_code == 409 and response.json()["error"]["code"] == "idempotency_key_reused"
    assert "already used for a different request" in response.json()["error"]["message"]
    assert len(await usage_entries(alice.workspace.id)) == 1
    assert await ledger.balance(alice.workspace.id, client_id) == 700
    assert await ledger.balance(alice.workspace.id, other) == 1000


async def test_usage_past_the_balance_is_refused_with_402_saying_balance_and_need(client, agency):
    alice, secret, client_id = agency
    response = await spend(client, secret, client_id, 1001, "too-much")

    assert response.status_code == 402 and response.json()["error"]["code"] == "insufficient_credits"
    assert (
        response.json()["error"]["message"] == "Not enough credits: the balance is 1,000 credits and this needs 1,001."
    )
    assert await usage_entries(alice.workspace.id) == []
    assert await ledger.balance(alice.workspace.id, client_id) == 1000
    # Nothing was recorded under the key, so the same key may be retried once there are credits.
    assert (await spend(client, secret, client_id, 1000, "too-much")).status_code == 201


async def test_50_concurrent_calls_never_take_the_balance_below_zero_and_the_ledger_equals_it(app, agency, monkeypatch):
    alice, secret, client_id = agency
    appending, most = 0, 0
    original = ledger.append

    async def counted(*args, **kwargs):
        nonlocal appending, most
        appending += 1
        most = max(most, appending)
        try:
            return await original(*args, **kwargs)
        finally:
            appending -= 1

    monkeypatch.setattr(ledger, "append", counted)
    async with concurrent_client(app) as http:
        responses = await asyncio.gather(*(spend(http, secret, client_id, 30, f"burst-{n}") for n in range(50)))

    assert most > 1, "the calls should have overlapped, or no race was tried"

    statuses = [response.status_code for response in responses]
    assert statuses.count(201) == 33 and statuses.count(402) == 17  # 33 × 30 = 990 of the 1,000 credits
    balance = await ledger.balance(alice.workspace.id, client_id)
    assert balance == 10 == await ledger.ledger_balance(alice.workspace.id, client_id)
    assert sorted(r.json()["balance_after"] for r in responses if r.status_code == 201) == list(range(10, 1000, 30))
    assert len(await usage_entries(alice.workspace.id)) == 33


async def test_50_concurrent_retries_of_one_key_record_once(app, agency):
    alice, secret, client_id = agency
    async with concurrent_client(app) as http:
        responses = await asyncio.gather(*(spend(http, secret, client_id, 10, "same-key") for _ in range(50)))

    assert sorted(response.status_code for response in responses) == [200] * 49 + [201]
    assert len({response.json()["id"] for response in responses}) == 1
    assert await ledger.balance(alice.workspace.id, client_id) == 990
