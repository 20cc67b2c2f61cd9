"""What every revenue figure is computed from, read once per workspace: `RevenueFacts`.

MRR history, invoiced revenue and the signals all need the workspace's settings, which client each Stripe customer
counts for, its subscriptions and their billed lines, and the rate tables. `load_facts` reads them in a handful of
grouped queries, so a page showing several figures reads each table once (app.revenue.cache keeps the results).

Clients: a customer matched to a client counts for that client; an ignored customer counts for nobody; an
unmatched one counts on its own, keyed "account_id:customer_id", so the workspace total is all of its revenue.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from app.revenue import history, rates
from app.revenue.tables import ExchangeRate
from app.stripe_data.tables import CustomerMatch, StripeInvoice, StripeSubscription
from app.workspaces.tables import Workspace

ClientKey = int | str


def loaded_json(stored: object) -> dict:
    data = json.loads(stored) if isinstance(stored, str) else stored
    return data if isinstance(data, dict) else {}


async def settings(workspace_id: int) -> tuple[str, str]:
    """The workspace's time zone and currency (lower case)."""
    row = await Workspace.select(Workspace.timezone, Workspace.currency).where(Workspace.id == workspace_id).first()
    return (row["timezone"] or "UTC", (row["currency"] or "usd").lower()) if row else ("UTC", "usd")


async def stored_subscriptions(workspace_id: int) -> tuple[list[dict], list[dict]]:
    """Every stored subscription of the workspace: its row (ids, account, customer, currency) and its decoded object."""
    rows = await StripeSubscription.select(
        StripeSubscription.stripe_id,
        StripeSubscription.account_id,
        StripeSubscription.customer_id,
        StripeSubscription.currency,
        StripeSubscription.stripe_object,
    ).where(StripeSubscription.workspace == workspace_id)
    return rows, [loaded_json(row["stripe_object"]) for row in rows]


async def client_keys(workspace_id: int) -> dict[tuple[str, str], ClientKey | None]:
    """(account, customer) -> client id, or None for an ignored customer; unmatched customers are absent."""
    rows = await CustomerMatch.select(
        CustomerMatch.account_id, CustomerMatch.customer_id, CustomerMatch.client, CustomerMatch.ignored
    ).where(CustomerMatch.workspace == workspace_id)
    return {
        (r["account_id"], r["customer_id"]): (None if r["ignored"] else r["client"])
        for r in rows
        if r["ignored"] or r["client"] is not None
    }


def client_key(keys: dict[tuple[str, str], ClientKey | None], account: str, customer: str) -> ClientKey | None:
    """Who a customer's revenue counts for: its client, itself when unmatched, nobody (None) when ignored."""
    pair = (account, customer)
    return keys.get(pair, f"{account}:{customer}")


def on_postgres() -> bool:
    return StripeInvoice._meta.db.engine_type == "postgres"


def epoch(column: str) -> str:
    """SQL giving a timestamp column as Unix seconds: the database converts 300,000 of them faster than Python.

    Truncated on both engines, as Python's int(datetime.timestamp()) is: PostgreSQL's CAST rounds, which put an
    invoice paid in the second of a request half a second after "now" and out of this month's figure.
    """
    if on_postgres():
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


# The invoice's subtotal and total_excluding_tax are columns (filled at sync time): reading them out of each
# invoice's JSON was most of a rebuild's database time.
_LINES_SQL = (
    "SELECT i.subscription_id AS subscription_id, l.invoice_id AS invoice_id, l.price_id AS price_id, "
    "l.amount AS amount, {period_start} AS period_start, {period_end} AS period_end, {created} AS created, "
    "i.status AS status, i.subtotal AS subtotal, i.total_excluding_tax AS total_excluding_tax "
    "FROM stripe_invoice_line l JOIN stripe_invoice i ON i.workspace = l.workspace AND i.stripe_id = l.invoice_id "
    "WHERE l.workspace = {{}} AND l.price_id != '' AND i.subscription_id != '' AND i.status != 'draft'"
)


async def billed_lines(workspace_id: int) -> dict[str, list[history.BilledLine]]:
    """subscription id -> the priced lines of its non-draft invoices."""
    sql = _LINES_SQL.format(
        period_start=epoch("l.period_start"), period_end=epoch("l.period_end"), created=epoch("i.created")
    )
    out: dict[str, list[history.BilledLine]] = defaultdict(list)
    shares: dict[tuple, Decimal] = {}  # most invoices share a handful of (subtotal, total) pairs
    for row in await StripeInvoice.raw(sql, workspace_id):
        pair = (row["subtotal"], row["total_excluding_tax"])
        share = shares.get(pair)
        if share is None:
            share = shares[pair] = history.net_share(*pair)
        out[row["subscription_id"]].append(
            history.BilledLine(
                invoice_id=row["invoice_id"],
                price_id=row["price_id"],
                amount=int(row["amount"] or 0),
                period_start=int(row["period_start"] or 0),
                period_end=int(row["period_end"] or 0),
                invoice_created=int(row["created"] or 0),
                invoice_void=row["status"] == "void",
                net_share=share,
            )
        )
    return out


@dataclass
class RevenueFacts:
    """One workspace's inputs to every revenue figure, as read at one moment."""

    workspace_id: int
    timezone: str
    currency: str
    keys: dict[tuple[str, str], ClientKey | None]
    subscription_rows: list[dict]
    subscriptions: list[dict]
    lines: dict[str, list[history.BilledLine]]
    rate_rows: list[dict] = field(default_factory=list)
    prices: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.prices:
            self.prices = history.price_catalogue(self.subscriptions)

    def rate_tables(self, months: Iterable[str]) -> dict[str, dict[str, Decimal]]:
        """month -> currency -> USD per unit (app.revenue.rates), from the rows read with the facts."""
        return rates.resolve(self.rate_rows, list(months))

    def client_key(self, account: str, customer: str) -> ClientKey | None:
        return client_key(self.keys, account, customer)


async def load_facts(workspace_id: int, subscriptions: bool = True) -> RevenueFacts:
    """Read the workspace's revenue facts (every query scoped to it; the rate table is the operator's, shared).

    `subscriptions=False` leaves out the subscriptions and their lines (invoiced revenue does not need them).
    """
    tz_name, currency = await settings(workspace_id)
    rows, subs = await stored_subscriptions(workspace_id) if subscriptions else ([], [])
    return RevenueFacts(
        workspace_id=workspace_id,
        timezone=tz_name,
        currency=currency,
        keys=await client_keys(workspace_id),
        subscription_rows=rows,
        subscriptions=subs,
        lines=await billed_lines(workspace_id) if subscriptions else {},
        rate_rows=await ExchangeRate.select(ExchangeRate.month, ExchangeRate.currency, ExchangeRate.usd_per_unit),
    )
