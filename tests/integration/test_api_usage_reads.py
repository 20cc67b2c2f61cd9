"""GET a client's credits and ledger through the API, the recharge seam around usage, and the OpenAPI listing."""

from __future__ import annotations

import pytest

from app.credits import ledger, recharge, usage
from app.credits import settings as credit_settings
from app.credits.tables import EntryKind
from app.main import create_app
from tests import factories
from tests.integration.usage_support import bearer, funded_client, on_agency, spend, token_for


@pytest.fixture(name="agency")
async def fx_agency(alice):
    await on_agency(alice)
    return alice, await token_for(alice), await funded_client(alice.workspace.id, 1000)


async def test_the_balance_shows_the_credits_and_the_auto_recharge_settings(client, agency):
    alice, secret, client_id = agency
    await credit_settings.save_card(alice.workspace.id, client_id, "cus_1", "pm_card_visa", "Visa ending 4242")
    await credit_settings.set_auto_recharge(alice.workspace.id, client_id, enabled=True, threshold=200, usd=25)
    await spend(client, secret, client_id, 300, "k1")

    response = await client.get(f"/api/v1/clients/{client_id}/credits", headers=bearer(secret))
    assert response.status_code == 200
    assert response.json() == {
        "object": "credit_balance",
        "client": client_id,
        "balance": 700,
        "negative_since": None,
        "auto_recharge": {
            "enabled": True,
            "threshold": 200,
            "amount_usd": 25,
            "paused_reason": None,
            "retry_after": None,
            "card": "Visa ending 4242",
        },
    }


async def test_a_client_without_credits_reads_zero_with_auto_recharge_off(client, agency):
    alice, secret, _ = agency
    fresh = (await factories.client(alice.workspace.id, "Fresh Co")).id
    body = (await client.get(f"/api/v1/clients/{fresh}/credits", headers=bearer(secret))).json()
    assert body["balance"] == 0 and body["auto_recharge"]["enabled"] is False


async def test_the_ledger_pages_newest_first_with_a_cursor(client, agency):
    _, secret, client_id = agency
    for n in range(5):
        await spend(client, secret, client_id, 10 + n, f"k{n}", f"call {n}")
    path = f"/api/v1/clients/{client_id}/credits/ledger"

    first = (await client.get(path, params={"limit": 4}, headers=bearer(secret))).json()
    assert first["object"] == "list" and first["has_more"] and first["url"] == path
    assert [row["credits"] for row in first["data"]] == [-14, -13, -12, -11]
    assert first["data"][0]["kind"] == "usage" and first["data"][0]["balance_after"] == 1000 - 60
    rest = await client.get(
        path, params={"limit": 4, "starting_after": first["data"][-1]["id"]}, headers=bearer(secret)
    )
    assert [(row["kind"], row["credits"]) for row in rest.json()["data"]] == [("usage", -10), ("purchase", 1000)]
    assert rest.json()["has_more"] is False


async def test_a_cursor_that_is_no_entry_of_the_client_gets_a_400(client, agency):
    alice, secret, client_id = agency
    other = await funded_client(alice.workspace.id, 50, "Other Co")
    [theirs] = await ledger.entries(alice.workspace.id, other)
    path = f"/api/v1/clients/{client_id}/credits/ledger"
    response = await client.get(path, params={"starting_after": theirs["id"]}, headers=bearer(secret))
    assert response.status_code == 400 and response.json()["error"]["param"] == "starting_after"
    assert response.json()["error"]["code"] == "resource_missing"


async def test_a_short_balance_asks_auto_recharge_first_and_records_once_it_covers_it(client, agency, monkeypatch):
    _, secret, client_id = agency
    asked, after = [], []

    async def topped_up(workspace_id, client, needed):
        asked.append(needed)
        await ledger.append(workspace_id, client, EntryKind.auto_recharge, 500, dedupe_key="pi:recharge")
        return True

    async def noted(workspace_id, client):
        after.append(client)

    monkeypatch.setattr(recharge, "ensure_funds", topped_up)
    monkeypatch.setattr(recharge, "after_usage", noted)
    response = await spend(client, secret, client_id, 1200, "big")
    replay = await spend(client, secret, client_id, 1200, "big")

    assert response.status_code == 201 and response.json()["balance_after"] == 300 and asked == [1200]
    assert replay.status_code == 200 and after == [client_id]  # once per recorded usage, not per replay


async def test_when_auto_recharge_cannot_cover_it_the_refusal_stands(agency, monkeypatch):
    alice, _, client_id = agency

    async def declined(workspace_id, client, needed):
        return False

    monkeypatch.setattr(recharge, "ensure_funds", declined)
    with pytest.raises(ledger.InsufficientCredits):
        await usage.record_usage(alice.workspace.id, client_id, 1001, "", "k")
    assert await ledger.balance(alice.workspace.id, client_id) == 1000


def test_the_openapi_document_lists_the_usage_endpoints_with_their_answers():
    paths = create_app().openapi_schema.to_schema()["paths"]
    record = paths["/api/v1/usage"]["post"]
    assert set(record["responses"]) >= {"200", "201", "400", "401", "402", "403", "404", "409"}
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in record["parameters"])
    assert record["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("UsageRequest")
    assert set(paths["/api/v1/clients/{client_id}/credits"]["get"]["responses"]) >= {"200", "401", "404"}
    ledger_list = paths["/api/v1/clients/{client_id}/credits/ledger"]["get"]
    assert {p["name"] for p in ledger_list["parameters"]} >= {"limit", "starting_after"}
