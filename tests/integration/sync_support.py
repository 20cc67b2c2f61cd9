"""Helpers for the Stripe sync tests: a workspace linked to a stand-in account, fast retries, counts."""

from __future__ import annotations

from app.clients.tables import Client, ClientStatus
from app.core.timeutil import utcnow
from app.integrations.tables import StripeConnection
from app.stripe_data import sync
from app.stripe_data.budget import BudgetedReader, RetryPolicy
from app.stripe_data.tables import (
    CustomerMatch,
    StripeCharge,
    StripeCustomer,
    StripeInvoice,
    StripeInvoiceLine,
    StripeRefund,
    StripeSubscription,
    SyncRun,
)

# Stripe's hints (Retry-After: 1) and our backoff, shrunk 20x: bursts are survived in a fraction of a second.
FAST_RETRY = RetryPolicy(attempts=10, base_delay=0.5, max_delay=4.0, scale=0.05)
TABLES = {
    "customers": StripeCustomer,
    "subscriptions": StripeSubscription,
    "invoices": StripeInvoice,
    "charges": StripeCharge,
    "refunds": StripeRefund,
}


async def link(standin, workspace_id: int, account: str) -> StripeConnection:
    """Link the account at the stand-in and store a live connection, as the OAuth callback does."""
    standin.link(account)
    connection = StripeConnection(
        workspace=workspace_id,
        stripe_account_id=account,
        account_name=account,
        status="connected",
        connected_at=utcnow(),
    )
    await connection.save()
    return connection


def options(account: str, **extra) -> sync.SyncOptions:
    return sync.SyncOptions(reader=BudgetedReader(account, retry=FAST_RETRY), **extra)


async def backfill(workspace_id: int, account: str, **extra) -> SyncRun:
    run = await sync.start_backfill(workspace_id, account)
    return await sync.run_backfill(run.id, options(account, **extra))


def standin_counts(standin, account: str) -> dict[str, int]:
    """What the stand-in holds for the account (subscriptions include canceled ones)."""
    return {name: len(standin.objects(account, name, limit=100_000)) for name in TABLES}


async def db_counts(workspace_id: int) -> dict[str, int]:
    return {name: await table.count().where(table.workspace == workspace_id) for name, table in TABLES.items()}


async def line_count(workspace_id: int) -> int:
    return await StripeInvoiceLine.count().where(StripeInvoiceLine.workspace == workspace_id)


def expected_lines(standin, account: str) -> int:
    return sum(
        inv["lines"].get("total_count", len(inv["lines"]["data"]))
        for inv in standin.objects(account, "invoices", limit=100_000)
    )


def busiest_second(requests: list[dict], key=lambda request: "all") -> dict[str, int]:
    """The most requests in any one-second window, per `key(request)`, as the stand-in saw them arrive.

    Its log stamps a request when it answered; arrival is that less its duration (latency included).
    """
    arrivals: dict[str, list[float]] = {}
    for request in requests:
        arrivals.setdefault(key(request), []).append(request["time"] - request["duration_ms"] / 1000)
    peaks = {}
    for name, times in arrivals.items():
        times.sort()
        start, peak = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 1.0:
                start += 1
            peak = max(peak, end - start + 1)
        peaks[name] = peak
    return peaks


async def one_client_per_customer(workspace_id: int, account: str, leave_unmatched: int = 0) -> list[str]:
    """Match every synced customer to a client of its own name, but the first `leave_unmatched` (by id).

    Matching rules are not what such tests measure. Returns the customer ids left unmatched.
    """
    now = utcnow()
    rows = await StripeCustomer.select(StripeCustomer.stripe_id, StripeCustomer.name).where(
        StripeCustomer.workspace == workspace_id
    )
    rows.sort(key=lambda row: row["stripe_id"])
    for row in rows[leave_unmatched:]:
        client = Client(workspace=workspace_id, name=row["name"] or row["stripe_id"], created_at=now, updated_at=now)
        client.status = ClientStatus.active.value
        await client.save()
        await CustomerMatch.delete().where(
            (CustomerMatch.workspace == workspace_id) & (CustomerMatch.customer_id == row["stripe_id"])
        )
        await CustomerMatch.insert(
            CustomerMatch(
                workspace=workspace_id,
                account_id=account,
                customer_id=row["stripe_id"],
                client=client.id,
                method="manual",
                updated_at=now,
            )
        )
    return [row["stripe_id"] for row in rows[:leave_unmatched]]
