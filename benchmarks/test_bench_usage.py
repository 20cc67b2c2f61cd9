"""How many usage events a second the usage API sustains across 100 clients with auto-recharge on, and how many
double recharges that load starts (issue 14's targets: at least 1,000 events/s, and 0).

An Agency workspace has 100 clients, each funded with one purchase of `FUNDS` credits, a saved card and
auto-recharge on below `THRESHOLD`. `EVENTS` usage calls of `SPEND` credits (spread round-robin, so every client is
hit throughout) go through the whole app, called as an ASGI server calls it (routing, the bearer token, JSON, the
ledger, the recharge seam), `CONCURRENCY` in flight at once, as a metering integration with several workers
sends them. As production runs several web processes, `PROCESSES` processes (on PostgreSQL one per CPU, on SQLite
one) each run the app and send their share of the calls, every process hitting every client, so their
batches of spends contend for the same accounts; the wall time runs from the moment all are ready (a barrier) to
the last answer. The calls are made with as little client work as can be (`_Direct`: a metering integration's
client runs on its own machines); `BENCH_USAGE_CLIENT=httpx` sends them through httpx's ASGI transport instead,
whose own work then counts against the app. Litestar's AsyncTestClient would not do: it runs each request to its
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
import json
import logging
import multiprocessing
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
CONCURRENCY = 32  # in all, shared among the processes
# PostgreSQL: one web process per CPU, as production runs them. SQLite: one, as it is deployed: its writers take
# turns through one lock, and a second process waiting in SQLite's busy handler added waits, not events (measured).
_ONE_PER_CPU = str(os.cpu_count() or 1) if os.environ.get("DATABASE_URL", "").startswith("postgres") else "1"
PROCESSES = int(os.environ.get("BENCH_USAGE_PROCESSES", _ONE_PER_CPU))
CLIENT = os.environ.get("BENCH_USAGE_CLIENT", "direct")  # or "httpx": see _Direct
WARM_UP = 200
# Each client crosses its threshold after 30 of its 52 calls, so about 40% of the calls come from a client below it
# (the single-flight check's worst case). A recharge must buy more than the threshold ($1,000 at $0.004: 250,000).
FUNDS, THRESHOLD, SPEND, RECHARGE_USD = 300_000, 240_000, 2_000, 1_000
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
        await credit_settings.set_auto_recharge(
            workspace.id, client_id, enabled=True, threshold=THRESHOLD, usd=RECHARGE_USD
        )
    secret = (await tokens.create_token(owner, "Metering")).secret
    return secret, client_ids


class _Direct:
    """Calls the ASGI app as a server would (one request scope, its body, the response's messages), with nothing of
    an HTTP client's own work (URLs, cookies, header objects) in this process: a metering integration's client runs
    on its own machines. `BENCH_USAGE_CLIENT=httpx` measures with httpx's ASGI transport instead."""

    def __init__(self, app) -> None:
        self.app = app

    async def post(self, path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"testserver.local"), (b"content-length", str(len(body)).encode()), *headers],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver.local", 80),
        }
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        status, chunks = 0, []

        async def receive() -> dict:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


class _Httpx:
    def __init__(self, app) -> None:
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local")

    async def post(self, path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
        response = await self.http.post(path, content=body, headers=headers)
        return response.status_code, response.content


async def _send(http, secret: str, calls: list[tuple[int, str]], concurrency: int) -> list[float]:
    """POST every call, `concurrency` at a time; each call's latency in ms."""
    headers = [(b"authorization", f"Bearer {secret}".encode()), (b"content-type", b"application/json")]
    queue = iter(calls)
    latencies: list[float] = []

    async def worker() -> None:
        for client_id, key in queue:
            body = json.dumps({"client": client_id, "credits": SPEND, "description": "bench event"}).encode()
            start = time.perf_counter()
            status, answer = await http.post("/api/v1/usage", body, [*headers, (b"idempotency-key", key.encode())])
            latencies.append((time.perf_counter() - start) * 1000)
            assert status == 201, answer

    await asyncio.gather(*(worker() for _ in range(concurrency)))
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


async def _serve(secret: str, calls: list[tuple[int, str]], ready, results) -> None:
    """One web process's part: warm up, wait for the others, send its share and report what it measured."""
    postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    if postgres:
        await engine_finder().start_connection_pool(max_size=POOL_SIZE)
    try:
        http = _Httpx(create_app()) if CLIENT == "httpx" else _Direct(create_app())
        warm_up, timed = calls[: WARM_UP // PROCESSES], calls[WARM_UP // PROCESSES :]
        await _send(http, secret, warm_up, CONCURRENCY // PROCESSES)
        ready.wait()
        start, cpu = time.perf_counter(), time.process_time()
        latencies = await _send(http, secret, timed, CONCURRENCY // PROCESSES)
        results.put((start, time.perf_counter(), time.process_time() - cpu, latencies))
    finally:
        if postgres:
            await engine_finder().close_connection_pool()


def _process(secret: str, calls: list[tuple[int, str]], ready, results) -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(_serve(secret, calls, ready, results))


async def _setup() -> tuple[str, list[int]]:
    postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    if postgres:
        await engine_finder().start_connection_pool(max_size=POOL_SIZE)
    try:
        return await _agency()
    finally:
        if postgres:
            await engine_finder().close_connection_pool()


async def _check() -> dict:
    assert await ledger.mismatches() == []
    return await _recharges()


def _run() -> dict:
    secret, client_ids = asyncio.run(_setup())
    calls = [(client_ids[n % CLIENTS], f"event-{n}") for n in range(WARM_UP + EVENTS)]
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter, as a web worker is: no inherited loop
    ready, results = spawn.Barrier(PROCESSES + 1), spawn.Queue()
    # Each process's share: every PROCESSES-th call, so both send to every client throughout.
    shares = [calls[WARM_UP:][n::PROCESSES] for n in range(PROCESSES)]
    warm = [calls[:WARM_UP][n::PROCESSES] for n in range(PROCESSES)]
    workers = [
        spawn.Process(target=_process, args=(secret, warm[n] + shares[n], ready, results)) for n in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    ready.wait(timeout=300)
    reports = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    seconds = max(end for _, end, _, _ in reports) - min(start for start, _, _, _ in reports)
    cpu = sum(cpu for _, _, cpu, _ in reports)
    latencies = sorted(latency for *_, process_latencies in reports for latency in process_latencies)
    recharges = asyncio.run(_check())
    postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    return {
        "clients": CLIENTS,
        "events": EVENTS,
        "concurrency": CONCURRENCY,
        "processes": PROCESSES,
        "client": CLIENT,
        "seconds": round(seconds, 2),
        "events_per_second": round(EVENTS / seconds),
        "target_events_per_second": TARGET_EVENTS_PER_SECOND,
        # The processes' CPU per event (the app, httpx and the database driver; the database's own CPU is not in
        # it): on a busy machine events/s falls with the CPU share the processes get, this much less.
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
    figures = benchmark.pedantic(_run, rounds=1, iterations=1)
    print(figures)
    record(f"usage-{machine()['database']}", figures)
