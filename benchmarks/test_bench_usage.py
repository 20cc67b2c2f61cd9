"""How many usage events a second the usage API sustains across 100 clients with auto-recharge on, and how many
double recharges that load starts (issue 14's targets: at least 1,000 events/s, and 0).

An Agency workspace has 100 clients, each funded with one purchase of `FUNDS` credits, a saved card and
auto-recharge on below `THRESHOLD`. `EVENTS` usage calls of `SPEND` credits (spread round-robin, so every client is
hit throughout) go through the whole app in this process: httpx's ASGI transport on the benchmark's event loop
(routing, the bearer token, JSON, the ledger, the recharge seam), `CONCURRENCY` in flight at once, as a metering
integration with several workers sends them. Litestar's AsyncTestClient would not do: it runs each request to its
end on a portal before the next starts, so requests "in flight at once" would queue one behind another. Each call
has its own Idempotency-Key and every one must be recorded (201); afterwards every cached balance must equal its
ledger.

Recharges: the workspace has a payout account and a Cost per Credit, so `app.credits.recharge.after_usage` claims a
recharge when a client's balance falls below its threshold, which each client's does once during the run (from
FUNDS down past THRESHOLD). A claim is the single-flight point (a Recharge row whose unique `in_flight` is the
client); its charge is queued for a consumer, and none runs here, so the claim stays in flight and the balance below
the threshold: every later call of that client asks again and must be told one is running. A double recharge is a
claim more than the crossings that client made (its entries' balances going from at or above the threshold to below
it); the target is 0. Stripe is not called.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import time
from collections import defaultdict

import httpx
from piccolo.engine import engine_finder

from app.accounts.services import create_user
from app.api import tokens
from app.auto_billing.tables import PayoutAccount
from app.clients.tables import Client
from app.core.timeutil import utcnow
from app.credit_pricing.services import set_cost_per_credit
from app.credits import ledger
from app.credits import settings as credit_settings
from app.credits.tables import CreditEntry, EntryKind, Recharge
from app.main import create_app
from app.workspaces.services import Actor, create_workspace, set_plan
from benchmarks.results import machine, record

logging.getLogger("httpx").setLevel(logging.WARNING)  # a log line per request would be the benchmark

CLIENTS = 100
EVENTS = int(os.environ.get("BENCH_USAGE_EVENTS", "5000"))
CONCURRENCY = 32
WARM_UP = 200
FUNDS, THRESHOLD, SPEND = 1_000_000, 700_000, 10_000
TARGET_EVENTS_PER_SECOND = 1_000
POOL_SIZE = 10  # DATABASE_POOL_SIZE's default: what one production web process holds on PostgreSQL


async def _agency() -> tuple[str, list[int]]:
    user = await create_user("usage@bench.agency", "bench-password-1", "Usage Bench")
    workspace = await set_plan((await create_workspace(user, "Usage Bench Agency")).id, "agency")
    owner = Actor(user=user, workspace=workspace, role="owner")
    now = utcnow()
    await PayoutAccount(
        workspace=workspace.id, stripe_account_id="acct_bench_usage", email="usage@bench.agency", created_at=now
    ).save()
    await set_cost_per_credit(owner, "0.003")
    await Client.insert(
        *(Client(workspace=workspace.id, name=f"Client {n}", created_at=now, updated_at=now) for n in range(CLIENTS))
    )
    client_ids = await Client.select(Client.id).where(Client.workspace == workspace.id).output(as_list=True)
    for client_id in client_ids:
        await ledger.append(workspace.id, client_id, EntryKind.purchase, FUNDS, dedupe_key=f"pi:bench_{client_id}")
        await credit_settings.save_card(workspace.id, client_id, "cus_bench", "pm_card_visa", "Visa ending 4242")
        await credit_settings.set_auto_recharge(workspace.id, client_id, enabled=True, threshold=THRESHOLD, usd=100)
    secret = (await tokens.create_token(owner, "Metering")).secret
    return secret, client_ids


async def _send(http: httpx.AsyncClient, secret: str, calls: list[tuple[int, str]]) -> list[float]:
    """POST every call, CONCURRENCY at a time; each call's latency in ms."""
    headers = {"Authorization": f"Bearer {secret}"}
    queue = iter(calls)
    latencies: list[float] = []

    async def worker() -> None:
        for client_id, key in queue:
            start = time.perf_counter()
            response = await http.post(
                "/api/v1/usage",
                json={"client": client_id, "credits": SPEND, "description": "bench event"},
                headers={**headers, "Idempotency-Key": key},
            )
            latencies.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 201, response.text

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return latencies


async def _recharges() -> dict:
    """Recharges claimed and threshold crossings per client, from the Recharge table and the ledger."""
    rows = await CreditEntry.select(CreditEntry.client, CreditEntry.balance_after).order_by(CreditEntry.id)
    crossings: dict[int, int] = defaultdict(int)
    before: dict[int, int] = {}
    for row in rows:
        client_id = row["client"]
        if before.get(client_id, THRESHOLD) >= THRESHOLD > row["balance_after"]:
            crossings[client_id] += 1
        before[client_id] = row["balance_after"]
    claimed: dict[int, int] = defaultdict(int)
    for client_id in await Recharge.select(Recharge.client).output(as_list=True):
        claimed[client_id] += 1
    return {
        "threshold_crossings": sum(crossings.values()),
        "recharges_started": sum(claimed.values()),
        "clients_recharging": len(claimed),
        "double_recharges": sum(max(0, claimed[c] - crossings[c]) for c in set(claimed) | set(crossings)),
    }


async def _run() -> dict:
    postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    if postgres:
        await engine_finder().start_connection_pool(max_size=POOL_SIZE)
    try:
        secret, client_ids = await _agency()
        calls = [(client_ids[n % CLIENTS], f"event-{n}") for n in range(WARM_UP + EVENTS)]
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as http:
            await _send(http, secret, calls[:WARM_UP])
            start, cpu = time.perf_counter(), time.process_time()
            latencies = sorted(await _send(http, secret, calls[WARM_UP:]))
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert await ledger.mismatches() == []
        recharges = await _recharges()
    finally:
        if postgres:
            await engine_finder().close_connection_pool()
    return {
        "clients": CLIENTS,
        "events": EVENTS,
        "concurrency": CONCURRENCY,
        "seconds": round(seconds, 2),
        "events_per_second": round(EVENTS / seconds),
        "target_events_per_second": TARGET_EVENTS_PER_SECOND,
        # This process's CPU per event (the app, httpx and the database driver; the database's own CPU is not in it):
        # on a busy machine events/s falls with the CPU share the process gets, this much less.
        "cpu_ms_per_event": round(cpu * 1000 / EVENTS, 2),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1),
        "max_ms": round(latencies[-1], 1),
        **recharges,
        "target_double_recharges": 0,
        "recharges": "claims by app.credits.recharge.after_usage; their charges queued, none run (no consumer)",
        "pool_size": POOL_SIZE if postgres else None,
        "load_average": [round(load, 2) for load in os.getloadavg()],  # 2 shared CPUs: how busy they were
    }


def test_bench_usage_events_through_the_api_across_100_clients_with_auto_recharge_on(benchmark):
    figures = benchmark.pedantic(lambda: asyncio.run(_run()), rounds=1, iterations=1)
    print(figures)
    record(f"usage-{machine()['database']}", figures)
