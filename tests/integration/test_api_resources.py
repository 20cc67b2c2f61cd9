"""The API's clients and invoices: a token never sees another workspace, Stripe-style pages, filters, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.api import tokens
from app.core.timeutil import utcnow
from app.stripe_data.matching import rematch
from tests import factories as f


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(name="alice_token")
async def fx_alice_token(alice) -> dict[str, str]:
    return _bearer((await tokens.create_token(alice.actor, "Alice's reporting")).secret)


@pytest.fixture(name="charlie_token")
async def fx_charlie_token(charlie) -> dict[str, str]:
    return _bearer((await tokens.create_token(charlie.actor, "Charlie's reporting")).secret)


async def _late_co(workspace_id: int):
    """A client with $50 paid, and one $120 sent invoice 12 days past its due date."""
    late = await f.client(workspace_id, "Late Co", emails=("ap@late.co",), domains=("late.co",))
    cust = await f.customer(workspace_id, email="ap@late.co")
    await f.charge(cust, amount=5_000)
    now = utcnow()
    paid = await f.invoice(cust, total=5_000, created=now - timedelta(days=40), number="LATE-1")
    due = await f.invoice(
        cust, status="open", total=12_000, created=now - timedelta(days=30), due_date=now - timedelta(days=12)
    )
    await rematch(workspace_id, f.ACCOUNT)
    return late, paid, due


async def test_a_client_comes_with_its_revenue_in_minor_units_and_the_workspace_currency(client, alice, alice_token):
    late, _paid, _due = await _late_co(alice.workspace.id)
    body = (await client.get(f"/api/v1/clients/{late.id}", headers=alice_token)).json()
    assert body["object"] == "client" and body["id"] == late.id and body["name"] == "Late Co"
    assert body["emails"] == ["ap@late.co"] and body["domains"] == ["late.co"] and body["has_stripe_data"]
    revenue = body["revenue"]
    assert revenue["currency"] == "usd" and revenue["lifetime_revenue"] == 5_000 and revenue["mrr"] == 0
    assert revenue["open_balance"] == 12_000 and revenue["overdue_amount"] == 12_000
    assert revenue["overdue_invoice_count"] == 1 and revenue["days_overdue"] == 12
    assert isinstance(revenue["last_invoice_created"], int)


async def test_a_token_of_one_workspace_never_sees_another_workspace_clients(
    client, alice, charlie, alice_token, charlie_token
):
    late, _paid, _due = await _late_co(alice.workspace.id)
    await f.client(charlie.workspace.id, "Charlie's own")
    listed = (await client.get("/api/v1/clients", headers=charlie_token)).json()
    assert [c["name"] for c in listed["data"]] == ["Charlie's own"]
    response = await client.get(f"/api/v1/clients/{late.id}", headers=charlie_token)
    missing = await client.get("/api/v1/clients/987654321", headers=charlie_token)
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json() and response.json()["error"]["code"] == "resource_missing"


async def test_a_token_of_one_workspace_never_sees_another_workspace_invoices(
    client, alice, charlie, alice_token, charlie_token
):
    late, paid, _due = await _late_co(alice.workspace.id)
    assert (await client.get("/api/v1/invoices", headers=charlie_token)).json()["data"] == []
    by_client = await client.get(f"/api/v1/invoices?client={late.id}", headers=charlie_token)
    after = await client.get(f"/api/v1/invoices?starting_after={paid.stripe_id}", headers=charlie_token)
    for response, param in ((by_client, "client"), (after, "starting_after")):
        assert response.status_code == 400
        assert response.json()["error"] == {
            "code": "resource_missing",
            "message": response.json()["error"]["message"],
            "param": param,
        }


async def test_clients_page_newest_first_with_has_more_and_starting_after(client, alice, alice_token):
    made = [await f.client(alice.workspace.id, f"Client {n}") for n in range(5)]
    newest_first = [c.id for c in reversed(made)]
    seen, cursor = [], None
    for expected_more in (True, True, False):
        query = "limit=2" + (f"&starting_after={cursor}" if cursor else "")
        page = (await client.get(f"/api/v1/clients?{query}", headers=alice_token)).json()
        assert page["has_more"] is expected_more and page["url"] == "/api/v1/clients"
        seen += [c["id"] for c in page["data"]]
        cursor = page["data"][-1]["id"]
    assert seen == newest_first


async def test_invoices_page_newest_first_across_equal_creation_times(client, alice, alice_token):
    cust = await f.customer(alice.workspace.id, email="ap@late.co")
    moment = utcnow() - timedelta(days=3)
    made = [await f.invoice(cust, created=moment) for _ in range(3)]
    made += [await f.invoice(cust, created=moment - timedelta(days=n + 1)) for n in range(2)]
    seen, cursor, pages = [], None, 0
    while True:
        query = "limit=2" + (f"&starting_after={cursor}" if cursor else "")
        page = (await client.get(f"/api/v1/invoices?{query}", headers=alice_token)).json()
        seen += [i["id"] for i in page["data"]]
        pages += 1
        if not page["has_more"]:
            break
        cursor = page["data"][-1]["id"]
    assert pages == 3 and seen == [i.stripe_id for i in reversed(made[:3])] + [made[3].stripe_id, made[4].stripe_id]


async def test_invoices_filter_by_client_status_and_creation_time(client, alice, alice_token):
    late, paid, due = await _late_co(alice.workspace.id)
    stranger = await f.customer(alice.workspace.id, email="nobody@else.io")
    await f.invoice(stranger, status="paid")

    async def ids(query: str) -> list[str]:
        response = await client.get(f"/api/v1/invoices?{query}", headers=alice_token)
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["data"]]

    assert await ids(f"client={late.id}") == [due.stripe_id, paid.stripe_id]
    assert await ids(f"client={late.id}&status=open") == [due.stripe_id]
    between = f"created[gte]={int(paid.created.timestamp())}&created[lt]={int(due.created.timestamp())}"
    assert await ids(f"client={late.id}&{between}") == [paid.stripe_id]
    body = (await client.get(f"/api/v1/invoices?client={late.id}&status=open", headers=alice_token)).json()
    assert body["data"][0]["overdue"] is True and body["data"][0]["client"] == late.id
    assert body["data"][0]["amount_remaining"] == 12_000 and body["data"][0]["currency"] == "usd"


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/clients?limit=0", "limit"),
        ("/api/v1/clients?limit=101", "limit"),
        ("/api/v1/clients?limit=ten", "limit"),
        ("/api/v1/clients?status=gone", "status"),
        ("/api/v1/invoices?status=late", "status"),
        ("/api/v1/invoices?created[gte]=yesterday", "created[gte]"),
        ("/api/v1/invoices?created[lt]=-5", "created[lt]"),
        ("/api/v1/invoices?client=abc", "client"),
        ("/api/v1/invoices?starting_after=in_nope", "starting_after"),
    ],
)
async def test_a_bad_parameter_gets_a_400_naming_it_with_a_code(client, alice, alice_token, path, param):
    response = await client.get(path, headers=alice_token)
    assert response.status_code == 400 and response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["param"] == param and error["code"] in {"invalid_parameter", "resource_missing"} and error["message"]
