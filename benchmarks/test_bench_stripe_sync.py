"""How fast the stand-in generates a large agency, and how long the demo account's backfill takes at the
default request budget (25 req/s per account, 10 per endpoint) over real HTTP."""

import asyncio

import pytest

from app.accounts.services import create_user
from app.core.timeutil import utcnow
from app.integrations.tables import StripeConnection
from app.settings import get_settings
from app.stripe_data import sync
from app.stripe_data.purge import PULLED_TABLES
from app.stripe_data.tables import StripeInvoice, SyncRun
from app.workspaces.services import create_workspace, set_plan
from stripe_standin.generator import seed_store
from stripe_standin.store import Store
from tests.plugins.standin import NORTHWIND_DIGITAL, start_standin, stop_standin


def test_bench_generating_a_hundred_thousand_invoices(benchmark):
    info = benchmark.pedantic(lambda: seed_store(Store(), 1, 100_000), rounds=1, iterations=1)
    assert info["accounts"][NORTHWIND_DIGITAL]["invoices"] >= 100_000


@pytest.fixture(scope="module")
def standin(monkeypatch_module):
    server = start_standin()
    for name, value in {
        "STRIPE_API_BASE": server.base_url,
        "STRIPE_CONNECT_BASE": server.base_url,
        "STRIPE_SECRET_KEY": server.secret_key,
        "STRIPE_CLIENT_ID": server.client_id,
    }.items():
        monkeypatch_module.setenv(name, value)
    get_settings.cache_clear()
    yield server
    stop_standin(server)
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


async def _workspace() -> int:
    user = await create_user("backfill@bench.agency", "bench-password-1")
    ws = (await set_plan((await create_workspace(user, "Backfill Bench")).id, "agency")).id
    await StripeConnection(
        workspace=ws,
        stripe_account_id=NORTHWIND_DIGITAL,
        account_name="Northwind",
        status="connected",
        connected_at=utcnow(),
    ).save()
    return ws


async def _forget_everything_pulled(ws: int) -> None:
    for table in PULLED_TABLES.values():
        await table.delete().where(table.workspace == ws)


async def _backfill(ws: int) -> SyncRun:
    run = await sync.start_backfill(ws, NORTHWIND_DIGITAL)
    return await sync.run_backfill(run.id)


def test_bench_backfill_of_the_demo_account_at_the_default_budget(benchmark, standin):
    standin.link(NORTHWIND_DIGITAL)
    ws = asyncio.run(_workspace())

    def from_scratch():
        asyncio.run(_forget_everything_pulled(ws))
        return (ws,), {}

    run = benchmark.pedantic(lambda ws: asyncio.run(_backfill(ws)), setup=from_scratch, rounds=3, iterations=1)
    assert run.status == "done", run.error
    assert StripeInvoice.count().where(StripeInvoice.workspace == ws).run_sync() == len(
        standin.objects(NORTHWIND_DIGITAL, "invoices", limit=100_000)
    )
