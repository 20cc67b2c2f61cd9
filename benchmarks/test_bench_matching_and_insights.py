"""How fast matching and the clients page's money columns are for a large agency's Stripe account."""

import asyncio
from datetime import timedelta

import pytest

from app.accounts.services import create_user
from app.clients.tables import Client, ClientDomain, ClientEmail
from app.core.timeutil import utcnow
from app.stripe_data.insights import client_insights
from app.stripe_data.matching import rematch
from app.stripe_data.sync import refresh_statistics
from app.stripe_data.tables import StripeCharge, StripeCustomer, StripeInvoice
from app.workspaces.services import create_workspace

CLIENTS, CUSTOMERS, INVOICES_EACH, CHARGES_EACH = 2_000, 10_000, 5, 3
ACCOUNT = "acct_bench"


async def _bulk(table, rows: list) -> None:
    for start in range(0, len(rows), 500):
        await table.insert(*rows[start : start + 500])


def _customer_email(i: int) -> str:
    # A quarter exact emails, a quarter same domain, a quarter free mail, a quarter unknown companies.
    client = (i // 4) % CLIENTS
    return [
        f"ops{client}@c{client}.example",
        f"billing{i}@c{client}.example",
        f"person{i}@gmail.com",
        f"ap@unknown{i}.example",
    ][i % 4]


async def _seed() -> int:
    user = await create_user("match@bench.agency", "bench-password-1")
    ws = (await create_workspace(user, "Matching Bench")).id
    now = utcnow()
    await _bulk(
        Client,
        [
            Client(workspace=ws, name=f"Client {i:05d}", notes="", status="active", created_at=now, updated_at=now)
            for i in range(CLIENTS)
        ],
    )
    ids = sorted(r["id"] for r in await Client.select(Client.id).where(Client.workspace == ws))
    await _bulk(
        ClientEmail, [ClientEmail(workspace=ws, client=cid, email=f"ops{n}@c{n}.example") for n, cid in enumerate(ids)]
    )
    await _bulk(
        ClientDomain, [ClientDomain(workspace=ws, client=cid, domain=f"c{n}.example") for n, cid in enumerate(ids)]
    )
    customers, invoices, charges = [], [], []
    for i in range(CUSTOMERS):
        email = _customer_email(i)
        customers.append(
            StripeCustomer(
                workspace=ws,
                account_id=ACCOUNT,
                stripe_id=f"cus_{i:07d}",
                email=email,
                email_domain=email.rpartition("@")[2],
                name=f"Customer {i}",
                currency="usd",
                created=now,
                synced_at=now,
            )
        )
        for k in range(INVOICES_EACH):
            status = "open" if k == 0 and i % 7 == 0 else "paid"
            sent = i % 2 == 0  # open ones: half sent invoices past due, half automatic payments that failed
            invoices.append(
                StripeInvoice(
                    workspace=ws,
                    account_id=ACCOUNT,
                    stripe_id=f"in_{i:07d}_{k}",
                    customer_id=f"cus_{i:07d}",
                    status=status,
                    currency="usd",
                    total=10_000,
                    amount_due=10_000,
                    amount_paid=0 if status == "open" else 10_000,
                    amount_remaining=10_000 if status == "open" else 0,
                    created=now - timedelta(days=30 * k + 1),
                    finalized_at=now - timedelta(days=30 * k),
                    collection_method="send_invoice" if sent else "charge_automatically",
                    attempt_count=0 if sent else 1,
                    due_date=now - timedelta(days=10) if status == "open" and sent else None,
                    synced_at=now,
                )
            )
        charges.extend(
            StripeCharge(
                workspace=ws,
                account_id=ACCOUNT,
                stripe_id=f"ch_{i:07d}_{k}",
                customer_id=f"cus_{i:07d}",
                status="succeeded",
                paid=True,
                currency="usd",
                amount=10_000,
                amount_refunded=0,
                created=now,
                synced_at=now,
            )
            for k in range(CHARGES_EACH)
        )
    await _bulk(StripeCustomer, customers)
    await _bulk(StripeInvoice, invoices)
    await _bulk(StripeCharge, charges)
    await rematch(ws, ACCOUNT)
    await refresh_statistics()  # as the backfill task does once it has finished
    return ws


@pytest.fixture(scope="module")
def workspace_id() -> int:
    return asyncio.run(_seed())


def test_bench_rematch_of_ten_thousand_customers_against_two_thousand_clients(benchmark, workspace_id):
    summary = benchmark.pedantic(lambda: asyncio.run(rematch(workspace_id, ACCOUNT)), rounds=5, iterations=1)
    assert summary.by_email == CUSTOMERS // 4 and summary.by_domain == CUSTOMERS // 4


def test_bench_money_columns_for_one_page_of_clients(benchmark, workspace_id):
    page = [
        r["id"]
        for r in asyncio.run(
            Client.select(Client.id).where(Client.workspace == workspace_id).order_by(Client.name).limit(25).run()
        )
    ]
    result = benchmark(lambda: asyncio.run(client_insights(workspace_id, "UTC", "usd", page)))
    assert len(result) == 25 and all(item.lifetime_revenue > 0 for item in result.values())
