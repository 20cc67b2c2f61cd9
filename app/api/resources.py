"""What the JSON API reads: a workspace's clients with their money facts, and its invoices, in Stripe-style pages.

Lists are newest first and paginate by cursor, as Stripe's do: `limit` rows, then `starting_after=<last id>` for the
next page, with `has_more` saying whether there is one. A cursor is an id, not an offset, so rows added while a
caller pages never shift the next page. Every query is scoped to the caller's workspace; an id of another workspace
is treated exactly like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from app.api import schemas
from app.api.errors import InvalidParameter
from app.client_list.queries import attach_contacts
from app.clients.tables import Client
from app.core.errors import NotFound
from app.core.timeutil import as_moment
from app.core.validation import MAX_ID
from app.stripe_data.insights import ClientInsight, client_insights
from app.stripe_data.overdue import overdue_sql, start_of_day, today_in
from app.stripe_data.tables import StripeInvoice
from app.workspaces.tables import Workspace


@dataclass(frozen=True)
class Page:
    """Which slice of a list: at most `limit` rows after the row `starting_after` names."""

    limit: int = 10
    starting_after: str | None = None


@dataclass(frozen=True)
class InvoiceFilters:
    client: int | None = None
    status: str | None = None
    created_gte: int | None = None
    created_gt: int | None = None
    created_lte: int | None = None
    created_lt: int | None = None


def _unix(moment: object) -> int | None:
    value = as_moment(moment)
    return int(value.timestamp()) if value else None


def _missing(param: str, what: str, value: object) -> InvalidParameter:
    return InvalidParameter(param, f"No such {what}: '{value}'.", code="resource_missing")


def _revenue(insight: ClientInsight | None, currency: str) -> schemas.ClientRevenue:
    insight = insight or ClientInsight(client_id=0, currency=currency)
    return schemas.ClientRevenue(
        currency=currency,
        lifetime_revenue=insight.lifetime_revenue,
        mrr=insight.mrr,
        open_balance=insight.open_balance,
        overdue_amount=insight.overdue_amount,
        overdue_invoice_count=insight.overdue_count,
        days_overdue=insight.days_overdue if insight.overdue else None,
        last_invoice_created=_unix(insight.last_invoice_at),
        unconverted_currencies=sorted(insight.unconverted),
    )


async def _clients(workspace: Workspace, rows: list[dict]) -> list[schemas.Client]:
    """Rows of `client` as API objects: contacts and money facts for the whole page in a few grouped queries."""
    await attach_contacts(rows)
    ids = [row["id"] for row in rows]
    insights = await client_insights(workspace.id, workspace.timezone, workspace.currency, ids) if ids else {}
    return [
        schemas.Client(
            object="client",
            id=row["id"],
            name=row["name"],
            status=row["status"],
            emails=row["emails"],
            domains=row["domains"],
            created=_unix(row["created_at"]) or 0,
            has_stripe_data=row["id"] in insights,
            revenue=_revenue(insights.get(row["id"]), workspace.currency),
        )
        for row in rows
    ]


def _client_id(param: str, value: object) -> int:
    try:
        client_id = int(str(value))
    except ValueError:
        raise _missing(param, "client", value) from None
    if not 1 <= client_id <= MAX_ID:
        raise _missing(param, "client", value)
    return client_id


async def client_in(workspace: Workspace, param: str, value: object) -> int:
    client_id = _client_id(param, value)
    if not await Client.exists().where((Client.id == client_id) & (Client.workspace == workspace.id)):
        raise _missing(param, "client", value)
    return client_id


_CLIENT_COLUMNS = (Client.id, Client.name, Client.status, Client.created_at)


async def list_clients(workspace: Workspace, page: Page, status: str | None = None) -> tuple[list, bool]:
    """One page of the workspace's clients, newest first, and whether more follow.

    Args:
        workspace: the caller's workspace.
        page: limit and cursor (a client id of this workspace).
        status: only "active" or only "archived" clients; None for both.

    Raises:
        InvalidParameter: the cursor names no client of the workspace.
    """
    where = Client.workspace == workspace.id
    if status:
        where &= Client.status == status
    if page.starting_after is not None:
        where &= Client.id < await client_in(workspace, "starting_after", page.starting_after)
    rows = await Client.select(*_CLIENT_COLUMNS).where(where).order_by(Client.id, ascending=False).limit(page.limit + 1)
    return await _clients(workspace, rows[: page.limit]), len(rows) > page.limit


async def get_client(workspace: Workspace, client_id: int) -> schemas.Client:
    """One client of the workspace.

    Raises:
        NotFound: no such client in this workspace (another workspace's id included).
    """
    rows = await Client.select(*_CLIENT_COLUMNS).where((Client.id == client_id) & (Client.workspace == workspace.id))
    if not rows:
        raise NotFound("No such client.")
    return (await _clients(workspace, rows))[0]


_MATCHES = (
    "m.workspace = i.workspace AND m.account_id = i.account_id AND m.customer_id = i.customer_id "
    "AND m.client IS NOT NULL"
)
# The page is picked from stripe_invoice alone (filters, cursor, order, limit), and only its rows are then joined to
# their client: joining first would match every invoice that shares the page's creation times before the limit.
# The client filter is a subquery for the same reason. Placeholders: the start of today in the workspace's zone
# (for `overdue`, the clients page's rule in app.stripe_data.overdue), then the page's conditions and its limit.
_PAGE_SQL = (
    "SELECT i.id, i.stripe_id, i.account_id, i.customer_id, i.workspace, i.number, i.status, i.collection_method, "
    "i.currency, i.total, i.amount_due, i.amount_paid, i.amount_remaining, i.created, i.due_date, i.paid_at, "
    "i.hosted_invoice_url, i.attempt_count FROM stripe_invoice i WHERE i.workspace = {}"
)
# The IN lets both planners start from the client's few customers (indexed) instead of walking every invoice;
# the EXISTS then pairs each with its account, as the join does.
_CLIENT_SQL = (
    " AND i.customer_id IN (SELECT m.customer_id FROM customer_match m WHERE m.workspace = {} AND m.client = {})"
    f" AND EXISTS (SELECT 1 FROM customer_match m WHERE {_MATCHES} AND m.client = {{}})"
)
_INVOICES_SQL = (
    "SELECT i.id AS row_id, i.stripe_id, i.account_id, i.customer_id, m.client AS client, i.number, i.status, "
    "i.collection_method, i.currency, i.total, i.amount_due, i.amount_paid, i.amount_remaining, i.created, "
    f"i.due_date, i.paid_at, i.hosted_invoice_url, CASE WHEN {overdue_sql('i')} THEN 1 ELSE 0 END AS overdue "
    "FROM ("
)
_JOIN_SQL = f") i LEFT JOIN customer_match m ON {_MATCHES} ORDER BY i.created DESC, i.id DESC"
_AFTER_SQL = (
    " AND (i.created < (SELECT created FROM stripe_invoice WHERE id = {}) OR "
    "(i.created = (SELECT created FROM stripe_invoice WHERE id = {}) AND i.id < {}))"
)
_CREATED = {"created_gte": ">=", "created_gt": ">", "created_lte": "<=", "created_lt": "<"}


def _invoice(row: dict) -> schemas.Invoice:
    return schemas.Invoice(
        object="invoice",
        id=row["stripe_id"],
        client=row["client"],
        customer=row["customer_id"],
        account=row["account_id"],
        number=row["number"] or None,
        status=row["status"],
        collection_method=row["collection_method"],
        currency=row["currency"],
        total=int(row["total"]),
        amount_due=int(row["amount_due"]),
        amount_paid=int(row["amount_paid"]),
        amount_remaining=int(row["amount_remaining"]),
        created=_unix(row["created"]) or 0,
        due_date=_unix(row["due_date"]),
        paid_at=_unix(row["paid_at"]),
        overdue=bool(row["overdue"]),
        hosted_invoice_url=row["hosted_invoice_url"] or None,
    )


async def _invoice_row_id(workspace: Workspace, stripe_id: str) -> int:
    row = (
        await StripeInvoice.select(StripeInvoice.id)
        .where((StripeInvoice.workspace == workspace.id) & (StripeInvoice.stripe_id == stripe_id))
        .first()
    )
    if row is None:
        raise _missing("starting_after", "invoice", stripe_id)
    return row["id"]


async def list_invoices(workspace: Workspace, page: Page, filters: InvoiceFilters) -> tuple[list, bool]:
    """One page of the workspace's invoices, newest first, and whether more follow.

    Args:
        workspace: the caller's workspace.
        page: limit and cursor (a Stripe invoice id of this workspace).
        filters: client, status and bounds on `created` (Unix seconds); all must hold.

    Raises:
        InvalidParameter: the cursor or the client names nothing in the workspace.
    """
    sql, args = _PAGE_SQL, [workspace.id]
    if filters.client is not None:
        client_id = await client_in(workspace, "client", filters.client)
        sql += _CLIENT_SQL
        args += [workspace.id, client_id, client_id]
    if filters.status:
        sql += " AND i.status = {}"
        args.append(filters.status)
    for name, operator in _CREATED.items():
        if (seconds := getattr(filters, name)) is not None:
            sql += f" AND i.created {operator} {{}}"
            args.append(datetime.fromtimestamp(seconds, UTC))
    if page.starting_after is not None:
        row_id = await _invoice_row_id(workspace, page.starting_after)
        sql += _AFTER_SQL
        args += [row_id, row_id, row_id]
    sql += " ORDER BY i.created DESC, i.id DESC LIMIT {}"
    cutoff = start_of_day(today_in(workspace.timezone), workspace.timezone)
    rows = await StripeInvoice.raw(_INVOICES_SQL + sql + _JOIN_SQL, cutoff, *args, page.limit + 1)
    return [_invoice(row) for row in rows[: page.limit]], len(rows) > page.limit
