"""The API's revenue resources over a synced stand-in agency: the MRR series, the movements and the flags are the
revenue services' own figures, another workspace's client is never reachable through `client=`, and a revoked token
is refused."""

from __future__ import annotations

import pytest
import time_machine

from app.api import schemas, tokens
from app.core.formatting import money_in
from app.core.timeutil import utcnow
from app.revenue import exports
from app.revenue.flags import RULE_NAMES
from app.revenue.movements import Kind, monthly
from app.revenue.services import invoiced_revenue, mrr_history
from app.revenue.signals import client_signals
from app.workspaces.services import set_plan
from tests import factories as f
from tests.integration.sync_support import backfill, link, one_client_per_customer
from tests.plugins.standin import NORTHWIND_DIGITAL

UNMATCHED = 2  # customers left without a client, whose figures and flags still count for the workspace


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(name="synced")
async def fx_synced(alice, stripe_standin) -> int:
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    assert (await backfill(alice.workspace.id, NORTHWIND_DIGITAL)).status == "done"
    await one_client_per_customer(alice.workspace.id, NORTHWIND_DIGITAL, leave_unmatched=UNMATCHED)
    return alice.workspace.id


@pytest.fixture(name="alice_token")
async def fx_alice_token(alice) -> dict[str, str]:
    return _bearer((await tokens.create_token(alice.actor, "Alice's reporting")).secret)


@pytest.fixture(name="charlie_token")
async def fx_charlie_token(charlie) -> dict[str, str]:
    return _bearer((await tokens.create_token(charlie.actor, "Charlie's reporting")).secret)


def _rate(value) -> str | None:
    return None if value is None else format(exports.rate(value), "f")


async def _all_flags(client, headers: dict[str, str], query: str = "") -> list[dict]:
    """Every page of /api/v1/flags, three rows at a time (so the cursor is exercised)."""
    seen, cursor = [], None
    while True:
        after = f"&starting_after={cursor}" if cursor else ""
        page = (await client.get(f"/api/v1/flags?limit=3{after}{query}", headers=headers)).json()
        assert page["object"] == "list" and page["url"] == "/api/v1/flags" and len(page["data"]) <= 3
        seen += page["data"]
        if not page["has_more"]:
            return seen
        cursor = page["data"][-1]["id"]


async def test_the_mrr_series_is_the_services_mrr_and_invoiced_revenue_point_by_point(client, synced, alice_token):
    with time_machine.travel(utcnow(), tick=False):
        mrr, invoiced = await mrr_history(synced), await invoiced_revenue(synced)
        response = await client.get("/api/v1/mrr", headers=alice_token)
    body = response.json()
    assert response.status_code == 200 and body["object"] == "mrr_series" and body["client"] is None
    assert body["currency"] == mrr.currency and body["url"] == "/api/v1/mrr"
    assert body["unconverted_currencies"] == sorted(mrr.unconverted | invoiced.unconverted)
    assert len(body["data"]) == 25 and max(mrr.total) > 0 and max(invoiced.total) > 0
    assert [p["label"] for p in body["data"]] == mrr.labels
    assert [p["measured_at"] for p in body["data"]] == [int(p.at.timestamp()) for p in mrr.points]
    assert [p["mrr"] for p in body["data"]] == mrr.total
    assert [p["invoiced_revenue"] for p in body["data"]] == invoiced.total
    assert [p["current"] for p in body["data"]] == [False] * 24 + [True]


async def test_one_client_s_mrr_series_is_its_own_share_of_the_workspace_s(client, synced, alice_token):
    with time_machine.travel(utcnow(), tick=False):
        mrr, invoiced = await mrr_history(synced), await invoiced_revenue(synced)
        chosen = max((key for key in mrr.clients if isinstance(key, int)), key=lambda key: sum(mrr.clients[key]))
        body = (await client.get(f"/api/v1/mrr?client={chosen}", headers=alice_token)).json()
    assert body["client"] == chosen and sum(mrr.clients[chosen]) > 0
    assert [p["mrr"] for p in body["data"]] == mrr.clients[chosen]
    assert [p["invoiced_revenue"] for p in body["data"]] == invoiced.clients.get(chosen, [0] * 25)


async def test_movements_are_the_engine_s_months_with_rates_as_exact_decimal_strings(client, synced, alice_token):
    with time_machine.travel(utcnow(), tick=False):
        mrr = await mrr_history(synced)
        body = (await client.get("/api/v1/movements", headers=alice_token)).json()
    expected = monthly(mrr.labels, mrr.clients)
    assert body["object"] == "mrr_movements" and body["currency"] == mrr.currency and len(body["data"]) == 24
    assert any(m.movements for m in expected) and any(m.count(Kind.churn) for m in expected)
    for month, row in zip(expected, body["data"], strict=True):
        assert row["label"] == month.label
        assert row["mrr_at_start"] == month.mrr_at_start and row["mrr_at_end"] == month.mrr_at_end
        assert [row[f"{kind.value}_mrr"] for kind in Kind] == [month.amount(kind) for kind in Kind]
        assert row["net_change"] == month.net_change == row["mrr_at_end"] - row["mrr_at_start"]
        assert row["paying_clients_at_start"] == month.paying_at_start
        assert row["churned_clients"] == month.count(Kind.churn)
        assert row["logo_churn_rate"] == _rate(month.logo_churn)
        assert row["revenue_churn_rate"] == _rate(month.revenue_churn)
        assert row["net_revenue_retention"] == _rate(month.net_revenue_retention)
    rates = [row[name] for row in body["data"] for name in ("logo_churn_rate", "net_revenue_retention")]
    assert all(isinstance(value, str) for value in rates if value is not None) and any(rates)


async def test_one_client_s_movements_are_those_of_its_own_series(client, synced, alice_token):
    with time_machine.travel(utcnow(), tick=False):
        mrr = await mrr_history(synced)
        chosen = next(key for key, values in mrr.clients.items() if isinstance(key, int) and values[-1] == 0)
        body = (await client.get(f"/api/v1/movements?client={chosen}", headers=alice_token)).json()
    expected = monthly(mrr.labels, {chosen: mrr.clients[chosen]})
    assert body["client"] == chosen
    assert [row["net_change"] for row in body["data"]] == [month.net_change for month in expected]
    assert sum(row["churned_clients"] for row in body["data"]) >= 1, "it paid once and pays nothing now"


async def test_flags_are_the_signals_own_one_row_per_rule_with_its_sentence_and_moment(
    client, alice, synced, alice_token
):
    currency = alice.workspace.currency
    with time_machine.travel(utcnow(), tick=False):
        signals = await client_signals(synced, money=money_in(currency))
        rows = await _all_flags(client, alice_token)
    expected = {
        (str(key), kind, flag.rule, flag.reason, int(flag.at.timestamp()))
        for key, found in signals.items()
        for kind, fired in (("cancelling", found.cancelling), ("upsell", found.upsell))
        for flag in fired
    }
    got = {
        (str(row["client"]) if row["client"] else f"{row['account']}:{row['customer']}", *row_facts)
        for row in rows
        for row_facts in [(row["kind"], row["rule"], row["message"], row["fired_at"])]
    }
    assert len(rows) == len(expected) > 3 and got == expected, "every flag once, across pages"
    assert len({row["id"] for row in rows}) == len(rows)
    assert {"cancelling", "upsell"} <= {row["kind"] for row in rows}
    assert any(row["client"] is None and row["customer"] for row in rows), "unmatched customers are flagged too"
    matched = [row["client"] for row in rows if row["client"]]
    assert matched == sorted(matched, reverse=True), "newest client first"


async def test_flags_filter_by_client_and_by_kind(client, synced, alice_token):
    with time_machine.travel(utcnow(), tick=False):  # upsell flags are dated at the moment of the request
        every = await _all_flags(client, alice_token)
        chosen = next(row["client"] for row in every if row["client"])
        own = await _all_flags(client, alice_token, f"&client={chosen}")
        upsell = await _all_flags(client, alice_token, "&kind=upsell")
    assert own and own == [row for row in every if row["client"] == chosen]
    assert upsell and upsell == [row for row in every if row["kind"] == "upsell"]


async def test_a_flag_cursor_that_is_no_flag_id_names_nothing(client, alice, alice_token):
    for cursor in ("nonsense", "42:no_such_rule", "0:downgrade", "4294967296:downgrade", ":downgrade"):
        response = await client.get(f"/api/v1/flags?starting_after={cursor}", headers=alice_token)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "resource_missing"
        assert response.json()["error"]["param"] == "starting_after"
    odd = await client.get("/api/v1/flags?starting_after=²:downgrade", headers=alice_token)
    assert odd.status_code == 200, "a non-ASCII digit is read as an unmatched customer's key, never as a number"


async def test_a_token_of_another_workspace_never_reaches_this_one_s_client_through_the_client_filter(
    client, synced, alice_token, charlie_token
):
    chosen = max(key for key in (await mrr_history(synced)).clients if isinstance(key, int))
    for path in ("/api/v1/mrr", "/api/v1/movements", "/api/v1/flags"):
        own = await client.get(f"{path}?client={chosen}", headers=alice_token)
        theirs = await client.get(f"{path}?client={chosen}", headers=charlie_token)
        missing = await client.get(f"{path}?client=987654321", headers=charlie_token)
        assert own.status_code == 200
        assert theirs.status_code == missing.status_code == 400
        assert theirs.json()["error"]["code"] == "resource_missing" and theirs.json()["error"]["param"] == "client"
        assert theirs.json()["error"]["message"].replace(str(chosen), "") == missing.json()["error"]["message"].replace(
            "987654321", ""
        )


async def test_another_workspace_s_token_sees_none_of_this_one_s_revenue(client, synced, charlie_token):
    mrr = (await client.get("/api/v1/mrr", headers=charlie_token)).json()
    movements = (await client.get("/api/v1/movements", headers=charlie_token)).json()
    flags = (await client.get("/api/v1/flags", headers=charlie_token)).json()
    assert max((await mrr_history(synced)).total) > 0 and len(mrr["data"]) == 25, "Alice's workspace has revenue"
    assert all(p["mrr"] == 0 and p["invoiced_revenue"] == 0 for p in mrr["data"])
    assert all(m["net_change"] == 0 and m["logo_churn_rate"] is None for m in movements["data"])
    assert flags["data"] == [] and flags["has_more"] is False


async def test_a_revoked_token_gets_401_on_the_revenue_endpoints(client, alice):
    new = await tokens.create_token(alice.actor, "Soon revoked")
    await tokens.revoke_token(alice.actor, new.token.id)
    for path in ("/api/v1/mrr", "/api/v1/movements", "/api/v1/flags"):
        response = await client.get(path, headers=_bearer(new.secret))
        assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"


async def test_a_workspace_without_stripe_gets_a_series_of_zeros_and_no_flags(client, alice, alice_token):
    await f.client(alice.workspace.id, "No Stripe Co")
    mrr = (await client.get("/api/v1/mrr", headers=alice_token)).json()
    flags = (await client.get("/api/v1/flags", headers=alice_token)).json()
    assert [p["mrr"] for p in mrr["data"]] == [0] * 25 and mrr["data"][-1]["current"] is True
    assert flags == {"object": "list", "data": [], "has_more": False, "url": "/api/v1/flags"}


def test_the_documented_flag_rules_are_exactly_the_engine_s_rules():
    assert set(schemas.FlagRule.__args__) == set(RULE_NAMES)
