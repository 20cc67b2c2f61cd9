"""How fast the JSON API's lists are for a large agency: 2,000 clients, 10,000 customers, 50,000 invoices.

The agency is the matching benchmark's (`_seed`); its invoices share few creation times (one per month for every
customer), so a cursor mostly falls among equal times: the slow case of the (created, id) order.
"""

import asyncio

import pytest

from app.api.resources import InvoiceFilters, Page, list_clients, list_invoices
from app.clients.tables import Client
from app.workspaces.tables import Workspace
from benchmarks.test_bench_matching_and_insights import _seed


@pytest.fixture(scope="module")
def workspace() -> Workspace:
    async def seeded() -> Workspace:
        return await Workspace.objects().where(Workspace.id == await _seed()).first()

    return asyncio.run(seeded())


def _run(coroutine_function):
    return lambda: asyncio.run(coroutine_function())


def test_bench_api_first_page_of_clients(benchmark, workspace):
    rows, has_more = benchmark(_run(lambda: list_clients(workspace, Page(limit=100))))
    assert len(rows) == 100 and has_more


def test_bench_api_first_page_of_invoices(benchmark, workspace):
    rows, has_more = benchmark(_run(lambda: list_invoices(workspace, Page(limit=100), InvoiceFilters())))
    assert len(rows) == 100 and has_more


def test_bench_api_page_of_invoices_after_a_cursor_deep_in_the_list(benchmark, workspace):
    async def cursor() -> str:
        rows, _ = await list_invoices(workspace, Page(limit=100), InvoiceFilters())
        for _ in range(50):  # 5,000 rows in
            rows, _ = await list_invoices(workspace, Page(limit=100, starting_after=rows[-1].id), InvoiceFilters())
        return rows[-1].id

    after = asyncio.run(cursor())
    rows, _ = benchmark(_run(lambda: list_invoices(workspace, Page(100, after), InvoiceFilters())))
    assert len(rows) == 100


def test_bench_api_invoices_of_one_client(benchmark, workspace):
    client_id = asyncio.run(Client.select(Client.id).where(Client.workspace == workspace.id).first().run())["id"]
    rows, _ = benchmark(_run(lambda: list_invoices(workspace, Page(limit=100), InvoiceFilters(client=client_id))))
    assert rows
