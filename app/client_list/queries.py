"""The clients list: search, status filter, sort and pagination, done by the database."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from piccolo.query import OrderByRaw

from app.clients.tables import Client, ClientDomain, ClientEmail, ClientStatus
from app.core.formatting import money_in
from app.core.queries import contains_ci, page_count
from app.core.validation import InvalidValue, normalise_domain
from app.revenue.cache import kept_or_rebuilding, workspace_revenue
from app.revenue.facts import ClientKey
from app.revenue.signals import ClientSignals
from app.stripe_data.insights import ClientInsight, client_insights, client_invoices, today_in
from app.workspaces.services import Actor

PAGE_SIZE = 25
# Far past any workspace's last page, and small enough that the offset fits the database's integers.
MAX_PAGE = 100_000
STATUSES = {"active": "Active", "archived": "Archived", "all": "All"}
SORTS = {
    "name": "Name",
    "created": "Newest first",
    "revenue": "Lifetime revenue",
    "last_invoice": "Last invoice",
    "overdue": "Most overdue",
}
# Filters on Stripe facts; "quiet" = no invoice in QUIET_DAYS (a client who may be quietly leaving); "cancelling" and
# "upsell": any flag of that kind (app.revenue.signals).
ONLY = {
    "": "Any",
    "overdue": "Overdue",
    "revenue": "With revenue",
    "quiet": "No invoice in 90 days",
    "cancelling": "Cancelling",
    "upsell": "Upsell opportunity",
}
QUIET_DAYS = 90
FLAG_FILTERS = ("cancelling", "upsell")
_MONEY_SORTS = {"revenue", "last_invoice", "overdue"}


@dataclass(frozen=True)
class ListParams:
    """What the list shows; every field round-trips through the URL so reload and back keep the state."""

    q: str = ""
    status: str = "active"
    sort: str = "name"
    page: int = 1
    only: str = ""

    def cleaned(self) -> ListParams:
        return ListParams(
            q=" ".join((self.q or "").split())[:200],
            status=self.status if self.status in STATUSES else "active",
            sort=self.sort if self.sort in SORTS else "name",
            page=min(max(1, self.page or 1), MAX_PAGE),
            only=self.only if self.only in ONLY else "",
        )

    def query(self, **changes: object) -> str:
        """The list's query string ("?q=acme&page=2", or "") with some parameters changed (defaults left out)."""
        params = replace(self, **changes)
        query = {
            key: value
            for key, value in (
                ("q", params.q),
                ("status", params.status),
                ("sort", params.sort),
                ("only", params.only),
                ("page", params.page),
            )
            if value and value != getattr(ListParams, key)
        }
        return f"?{urlencode(query)}" if query else ""


@dataclass
class ClientPage:
    params: ListParams
    rows: list[dict]
    total: int
    workspace_has_clients: bool
    flags_pending: bool = False  # no cancelling/upsell figures yet: the badges are being worked out
    page_size: int = PAGE_SIZE
    sorts: dict[str, str] = field(default_factory=lambda: SORTS)
    filters: dict[str, str] = field(default_factory=lambda: ONLY)
    statuses: dict[str, str] = field(default_factory=lambda: STATUSES)

    @property
    def pages(self) -> int:
        return page_count(self.total, self.page_size)

    @property
    def first_index(self) -> int:
        return 0 if not self.total else (self.params.page - 1) * self.page_size + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.params.page * self.page_size)


def _search(actor: Actor, q: str):
    terms = {q.lower()}
    with contextlib.suppress(InvalidValue):
        terms.add(normalise_domain(q))  # "bücher.example" finds the stored xn--bcher-kva.example
    condition = None
    for term in terms:
        by_email = ClientEmail.select(ClientEmail.client).where(
            (ClientEmail.workspace == actor.workspace_id) & contains_ci(ClientEmail.email, term)
        )
        by_domain = ClientDomain.select(ClientDomain.client).where(
            (ClientDomain.workspace == actor.workspace_id) & contains_ci(ClientDomain.domain, term)
        )
        match = contains_ci(Client.name, term) | Client.id.is_in(by_email) | Client.id.is_in(by_domain)
        condition = match if condition is None else condition | match
    return condition


def _where(actor: Actor, params: ListParams):
    condition = Client.workspace == actor.workspace_id
    if params.status != "all":
        condition &= Client.status == params.status
    if params.q:
        condition &= _search(actor, params.q)
    return condition


async def list_clients(actor: Actor, params: ListParams) -> ClientPage:
    """One page of the workspace's clients, with their emails and domains (one query each, not one per row).

    Args:
        actor: whose workspace to list.
        params: search text, status, sort and page; out-of-range values fall back to defaults.

    Returns:
        The page's rows (dicts with id, name, status, created_at, emails, domains, insight, signals) and the total
        count.
    """
    params = params.cleaned()
    where = _where(actor, params)
    query = _ordered(where, params.sort)
    # Once for the page: the filter and every row's badges read it.
    signals = await workspace_signals(actor, wait=params.only in FLAG_FILTERS)
    pending, signals = signals is None, signals or {}
    if params.sort in _MONEY_SORTS or params.only:
        rows, total = await _by_money(actor, params, query, signals)
    else:
        total = await Client.count().where(where)
        rows = await query.limit(PAGE_SIZE).offset((params.page - 1) * PAGE_SIZE)
        await attach_insights(actor, rows, signals=signals)
    await attach_contacts(rows)
    has_any = total > 0 or await Client.exists().where(Client.workspace == actor.workspace_id)
    return ClientPage(params=params, rows=rows, total=total, workspace_has_clients=has_any, flags_pending=pending)


def _ordered(where, sort: str):
    query = Client.select(Client.id, Client.name, Client.status, Client.created_at).where(where)
    if sort == "created":
        return query.order_by(Client.created_at, ascending=False).order_by(Client.id, ascending=False)
    return query.order_by(OrderByRaw("LOWER(name)")).order_by(Client.id)


async def matching_clients(actor: Actor, params: ListParams) -> list[dict]:
    """Every client the list shows with these filters, on all its pages, in its order (for the CSV export).

    Args:
        actor: whose workspace to read.
        params: as for list_clients; the page is ignored.

    Returns:
        Rows as list_clients gives them (insight, emails, domains included).
    """
    params = params.cleaned()
    signals = await workspace_signals(actor) if params.only in FLAG_FILTERS else {}  # the export has no flag columns
    rows, insights = await _kept_in_order(actor, params, await _ordered(_where(actor, params), params.sort), signals)
    await attach_insights(actor, rows, insights, signals)
    await attach_contacts(rows, workspace_id=actor.workspace_id)
    return rows


async def attach_contacts(rows: list[dict], workspace_id: int | None = None) -> None:
    """Add each row's `emails` and `domains` (two queries for the whole page) and its `archived` flag.

    With `workspace_id`, the contacts are read for the whole workspace instead of by the rows' ids: an export of
    thousands of rows would pass more ids than a query may have parameters.
    """
    ids = [row["id"] for row in rows]
    emails: dict[int, list[str]] = {i: [] for i in ids}
    domains: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        by_email = ClientEmail.client.is_in(ids) if workspace_id is None else ClientEmail.workspace == workspace_id
        for row in (
            await ClientEmail.select(ClientEmail.client, ClientEmail.email).where(by_email).order_by(ClientEmail.id)
        ):
            emails.get(row["client"], []).append(row["email"])
        by_domain = ClientDomain.client.is_in(ids) if workspace_id is None else ClientDomain.workspace == workspace_id
        for row in (
            await ClientDomain.select(ClientDomain.client, ClientDomain.domain)
            .where(by_domain)
            .order_by(ClientDomain.id)
        ):
            domains.get(row["client"], []).append(row["domain"])
    for row in rows:
        row["emails"] = emails[row["id"]]
        row["domains"] = domains[row["id"]]
        row["archived"] = row["status"] == ClientStatus.archived.value


async def workspace_signals(actor: Actor, wait: bool = True) -> dict[ClientKey, ClientSignals] | None:
    """The workspace's cancelling and upsell flags, from its kept revenue figures (app.revenue.cache).

    A rebuild of those figures takes seconds for a large agency, and every sync write or webhook makes one due. A
    filter on the flags (`wait`) waits for it: its answer must be true. The plain list's badges don't: they come from
    the last figures while a rebuild runs in the background, or are None (not worked out yet) when there are none.
    Formatted with the same money function as the dashboard and the client page, so all three share one kept entry.
    """
    money = money_in(actor.workspace.currency)
    if wait:
        return (await workspace_revenue(actor.workspace_id, money=money)).signals
    revenue = await kept_or_rebuilding(actor.workspace_id, money)
    return revenue.signals if revenue is not None else None


async def attach_insights(
    actor: Actor,
    rows: list[dict],
    insights: dict[int, ClientInsight] | None = None,
    signals: dict[ClientKey, ClientSignals] | None = None,
) -> None:
    """Add each row's Stripe money facts (`insight`, None without data), its flags (`signals`, None without any) and
    the workspace currency."""
    if insights is None:
        insights = await client_insights(
            actor.workspace_id, actor.workspace.timezone, actor.workspace.currency, [row["id"] for row in rows]
        )
    if signals is None:
        signals = await workspace_signals(actor, wait=False) or {}
    for row in rows:
        row["insight"] = insights.get(row["id"])
        row["signals"] = signals.get(row["id"])
        row["currency"] = actor.workspace.currency


def _sort_key(sort: str, insight: ClientInsight | None):
    """Biggest first; clients without Stripe data last (the query's name order breaks ties, sorts are stable)."""
    if insight is None:
        return (1, 0)
    if sort == "revenue":
        return (0, -insight.lifetime_revenue)
    if sort == "last_invoice":
        return (
            0 if insight.last_invoice_at else 1,
            -(insight.last_invoice_at.timestamp() if insight.last_invoice_at else 0),
        )
    return (0 if insight.overdue else 1, -insight.days_overdue, -insight.overdue_amount)


def _keep(only: str, insight: ClientInsight | None, today, signals: ClientSignals | None) -> bool:
    if only == "cancelling":
        return bool(signals and signals.cancelling)
    if only == "upsell":
        return bool(signals and signals.upsell)
    if only == "overdue":
        return bool(insight and insight.overdue)
    if only == "revenue":
        return bool(insight and insight.lifetime_revenue > 0)
    if only == "quiet":
        last = insight.last_invoice_at if insight else None
        return last is None or (today - last.date()).days > QUIET_DAYS
    return True


async def _kept_in_order(
    actor: Actor, params: ListParams, rows: list[dict], signals: dict[ClientKey, ClientSignals]
) -> tuple[list[dict], dict[int, ClientInsight]]:
    """The rows the `only` filter keeps, in the money sort's order, with the whole workspace's insights."""
    insights = await client_insights(actor.workspace_id, actor.workspace.timezone, actor.workspace.currency)
    today = today_in(actor.workspace.timezone)
    rows = [row for row in rows if _keep(params.only, insights.get(row["id"]), today, signals.get(row["id"]))]
    if params.sort in _MONEY_SORTS:
        rows.sort(key=lambda row: _sort_key(params.sort, insights.get(row["id"])))
    return rows, insights


async def _by_money(
    actor: Actor, params: ListParams, query, signals: dict[ClientKey, ClientSignals]
) -> tuple[list[dict], int]:
    """Sort or filter on Stripe facts: ids in name order from the database, facts for the whole workspace in a few
    grouped queries, then filter, sort and slice in memory (thousands of clients are a few hundred KB)."""
    rows, insights = await _kept_in_order(actor, params, await query, signals)
    start = (params.page - 1) * PAGE_SIZE
    page = rows[start : start + PAGE_SIZE]
    await attach_insights(actor, page, insights, signals)
    return page, len(rows)


async def client_money(actor: Actor, client_id: int) -> tuple[ClientInsight | None, list[dict]]:
    """A client's Stripe facts and newest invoices (the caller has checked the client is in the workspace)."""
    insight = (
        await client_insights(actor.workspace_id, actor.workspace.timezone, actor.workspace.currency, [client_id])
    ).get(client_id)
    return insight, await client_invoices(actor.workspace_id, client_id)
