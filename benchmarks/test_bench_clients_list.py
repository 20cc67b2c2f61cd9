"""How fast the clients page's query is for an agency with thousands of clients."""

import asyncio

import pytest

from app.accounts.services import create_user
from app.client_list.queries import ListParams, list_clients
from app.clients.tables import Client, ClientDomain, ClientEmail
from app.core.timeutil import utcnow
from app.workspaces.services import Actor, create_workspace

CLIENTS = 5_000


async def _seed() -> Actor:
    user = await create_user("bench@bench.agency", "bench-password-1")
    workspace = await create_workspace(user, "Bench Agency")
    now = utcnow()
    rows = [
        Client(
            workspace=workspace.id, name=f"Client {i:05d}", notes="", status="active", created_at=now, updated_at=now
        )
        for i in range(CLIENTS)
    ]
    for start in range(0, CLIENTS, 500):
        await Client.insert(*rows[start : start + 500])
    ids = [r["id"] for r in await Client.select(Client.id).where(Client.workspace == workspace.id)]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        await ClientEmail.insert(
            *[ClientEmail(workspace=workspace.id, client=i, email=f"ops{i}@c{i}.example") for i in chunk]
        )
        await ClientDomain.insert(
            *[ClientDomain(workspace=workspace.id, client=i, domain=f"c{i}.example") for i in chunk]
        )
    return Actor(user=user, workspace=workspace, role="owner")


@pytest.fixture(scope="module")
def actor():
    return asyncio.run(_seed())


@pytest.mark.parametrize(
    "params",
    [ListParams(), ListParams(page=150), ListParams(q="c4321.example"), ListParams(q="client 0", sort="created")],
    ids=["first-page", "page-150", "search-domain", "search-name"],
)
def test_bench_clients_list(benchmark, actor, params):
    page = benchmark(lambda: asyncio.run(list_clients(actor, params)))
    assert page.total > 0
