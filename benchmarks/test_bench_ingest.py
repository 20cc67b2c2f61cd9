"""How fast fetched pages become rows, with no network: a 25,000-invoice agency's pages parsed and written.

The pages are rendered from the stand-in's own store the way its list endpoints render them, serialized to
JSON bytes once, then (a) only parsed, by `stripe_client.decode` as the app's reader parses Stripe's answers, the
ceiling any ingest could reach in this process, and (b) parsed and
written with `ingest.write` in batches of pages inside `events.writing`, as the sync engine does, with clients
to match against. Both are reported in objects per second (objects of the five listed kinds; invoice lines
beyond the embedded ten are written too but not counted), with their ratio. The writing holds what the engine's
writer holds: one PostgreSQL connection for all its batches, and the garbage collector off for each batch.
"""

import asyncio
import json
import os
import time
from dataclasses import dataclass, field

import pytest

from app.accounts.services import create_user
from app.clients.tables import Client, ClientDomain, ClientEmail
from app.core import collector, connections
from app.core.timeutil import utcnow
from app.integrations.stripe_client import decode
from app.integrations.tables import StripeConnection
from app.stripe_data import events, ingest, matching, partials
from app.stripe_data.freemail import is_free_mail
from app.stripe_data.purge import PULLED_TABLES
from app.stripe_data.tables import CustomerMatch, StripeInvoice
from app.workspaces.services import create_workspace, set_plan
from benchmarks import results
from stripe_standin import render
from stripe_standin.generator import seed_store
from stripe_standin.store import Store
from tests.plugins.database import RUN_ID
from tests.plugins.standin import NORTHWIND_DIGITAL

INVOICES = 25_000
PAGE_SIZE = 100
PAGES_PER_BATCH = 10
ROUNDS = int(os.environ.get("BENCH_INGEST_ROUNDS", "2"))
# Its own account id: an account is live in one workspace at a time, and the first-sync benchmark's workspace may
# still hold Northwind's in the same session. The pages are Northwind's all the same.
ACCOUNT = "acct_1IngestBenchAgency"
LISTS = ("customers", "subscriptions", "invoices", "charges", "refunds")


@dataclass
class Fetched:
    """One batch as the engine's writer would hold it: list pages and the invoices' extra line pages, as bytes."""

    pages: list[tuple[str, bytes]] = field(default_factory=list)
    lines: dict[str, list[bytes]] = field(default_factory=dict)


@dataclass
class Agency:
    batches: list[Fetched]
    objects: int
    lines: int
    customers: int
    customer_emails: list[tuple[str, str]]  # (email, website) of every customer, for the clients


def _paged(items: list[dict]) -> list[bytes]:
    return [
        json.dumps(
            {"object": "list", "data": items[i : i + PAGE_SIZE], "has_more": i + PAGE_SIZE < len(items)}
        ).encode()
        for i in range(0, len(items), PAGE_SIZE)
    ]


def _agency() -> Agency:
    store = Store()
    seed_store(store, 1, INVOICES)
    acct = store.account(NORTHWIND_DIGITAL)
    pages: dict[str, list[bytes]] = {}
    extra_lines: dict[str, list[bytes]] = {}
    objects = lines = 0
    for name in LISTS:
        rendered = [render.render_any(acct, name, rec) for rec in acct.collection(name).all.scan()]
        objects += len(rendered)
        pages[name] = _paged(rendered)
        if name == "invoices":
            for invoice in rendered:
                if invoice["lines"]["has_more"]:
                    rest = render.invoice_lines(acct.invoices.get(invoice["id"]))[len(invoice["lines"]["data"]) :]
                    lines += len(rest)
                    extra_lines[invoice["id"]] = _paged(rest)
    # Customers first, then the other lists' pages interleaved, as concurrent windows land.
    order = [("customers", page) for page in pages["customers"]]
    others = [pages[name] for name in LISTS[1:]]
    for i in range(max(len(p) for p in others)):
        order.extend((name, p[i]) for name, p in zip(LISTS[1:], others, strict=True) if i < len(p))
    batches = []
    for start in range(0, len(order), PAGES_PER_BATCH):
        batch = Fetched(pages=order[start : start + PAGES_PER_BATCH])
        for name, page in batch.pages:
            if name == "invoices":
                for invoice in json.loads(page)["data"]:
                    if invoice["id"] in extra_lines:
                        batch.lines[invoice["id"]] = extra_lines[invoice["id"]]
        batches.append(batch)
    customers = [render.customer(acct, rec) for rec in acct.customers.all.scan()]
    return Agency(
        batches,
        objects,
        lines,
        len(customers),
        [(c["email"] or "", (c["metadata"] or {}).get("website") or "") for c in customers],
    )


def _parse_only(agency: Agency) -> int:
    parsed = 0
    for batch in agency.batches:
        for _, page in batch.pages:
            parsed += len(decode(page)["data"])
        for line_pages in batch.lines.values():
            for page in line_pages:
                decode(page)
    return parsed


def _decode(fetched: Fetched) -> ingest.Batch:
    batch = ingest.Batch(objects=[], lines={}, listed_subscriptions=[])
    for name, page in fetched.pages:
        data = decode(page)["data"]
        batch.objects.extend(data)
        if name == "subscriptions":
            batch.listed_subscriptions.extend(s["id"] for s in data)
    for invoice_id, line_pages in fetched.lines.items():
        batch.lines[invoice_id] = partials.LinesRead(lines=[line for p in line_pages for line in decode(p)["data"]])
    return batch


async def _ingest(ws: int, agency: Agency) -> int:
    index = await matching.load_client_index(ws)
    written = 0
    async with connections.held():  # as the engine's writer: one PostgreSQL connection for all its batches
        for fetched in agency.batches:
            # The engine's writer holds the collector off for each batch it writes, and its readers decode the next
            # pages meanwhile, inside that pause: here decoding and writing run one after the other in the same one.
            with collector.paused():
                batch = _decode(fetched)
                async with events.writing(ws, ACCOUNT):
                    written += await ingest.write(ws, ACCOUNT, batch, index)
                del batch
    return written


async def _workspace(agency: Agency) -> int:
    user = await create_user(f"ingest-{RUN_ID}@bench.agency", "bench-password-1")
    ws = (await set_plan((await create_workspace(user, "Ingest Bench")).id, "agency")).id
    now = utcnow()
    await StripeConnection(
        workspace=ws,
        stripe_account_id=ACCOUNT,
        account_name="Northwind",
        status="connected",
        connected_at=now,
    ).save()
    # A client for every third customer, found by its email or, for company mail, by its domain: real matching work.
    emails, domains = {}, {}
    for i, (email, _website) in enumerate(agency.customer_emails[::3]):
        domain = email.rpartition("@")[2].lower()
        if i % 2 and domain and not is_free_mail(domain):
            domains.setdefault(domain, i)
        elif email:
            emails.setdefault(email.lower(), i)
    wanted = sorted({*emails.values(), *domains.values()})
    clients = [Client(workspace=ws, name=f"Client {n}", created_at=now, updated_at=now) for n in wanted]
    for start in range(0, len(clients), 500):
        await Client.insert(*clients[start : start + 500])
    made = sorted(r["id"] for r in await Client.select(Client.id).where(Client.workspace == ws))
    ids = dict(zip(wanted, made, strict=True))
    await ClientEmail.insert(*(ClientEmail(workspace=ws, client=ids[n], email=e) for e, n in emails.items()))
    await ClientDomain.insert(*(ClientDomain(workspace=ws, client=ids[n], domain=d) for d, n in domains.items()))
    return ws


async def _forget(ws: int) -> None:
    for table in PULLED_TABLES.values():
        await table.delete().where(table.workspace == ws)


@pytest.fixture(scope="module")
def agency() -> Agency:
    return _agency()


def test_bench_ingesting_a_twenty_five_thousand_invoice_agency_s_fetched_pages(benchmark, agency):
    engine = results.machine()["database"]
    ws = asyncio.run(_workspace(agency))

    started = time.perf_counter()
    parsed = _parse_only(agency)
    parse_seconds = time.perf_counter() - started
    assert parsed == agency.objects

    timings: list[float] = []
    cpu: list[float] = []  # this process's CPU time: steadier than wall time on a machine shared with other work

    def timed() -> int:
        started, cpu_started = time.perf_counter(), time.process_time()
        written = asyncio.run(_ingest(ws, agency))
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        return written

    def from_scratch():
        asyncio.run(_forget(ws))
        return (), {}

    written = benchmark.pedantic(timed, setup=from_scratch, rounds=ROUNDS, iterations=1)
    assert written == agency.objects
    invoices = asyncio.run(StripeInvoice.count().where(StripeInvoice.workspace == ws).run())
    matches = asyncio.run(CustomerMatch.count().where(CustomerMatch.workspace == ws).run())
    assert invoices > 0 and matches == agency.customers

    best = min(timings)
    parse_rate, ingest_rate = agency.objects / parse_seconds, agency.objects / best
    figures = {
        "objects": agency.objects,
        "extra_invoice_lines": agency.lines,
        "batches": len(agency.batches),
        "pages_per_batch": PAGES_PER_BATCH,
        "parse_seconds": round(parse_seconds, 3),
        "parse_objects_per_second": round(parse_rate),
        "ingest_seconds_best": round(best, 3),
        "ingest_seconds_each_round": [round(t, 3) for t in timings],
        "ingest_objects_per_second": round(ingest_rate),
        "ingest_to_parse_ratio": round(ingest_rate / parse_rate, 4),
        "target_objects_per_second": 10_000,
        "ingest_cpu_seconds_each_round": [round(t, 3) for t in cpu],
        "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
    }
    print(
        f"\ningest on {engine}: {agency.objects:,} objects (+{agency.lines:,} extra lines) in {len(agency.batches)} "
        f"batches; parse {parse_rate:,.0f} objects/s; parse+write {ingest_rate:,.0f} objects/s "
        f"(best of {ROUNDS}: {best:.2f} s, {min(cpu):.2f} s CPU); ratio {ingest_rate / parse_rate:.3f}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    results.record(f"ingest-{engine}", figures)
