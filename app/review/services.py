"""Review unmatched Stripe customers: list them with their invoices and suggestions, then map, create or ignore.

Every decision made here is a manual row in CustomerMatch (method "manual", or `ignored`), which rematch never
overwrites, so it survives re-syncs and disconnect/reconnect of the same account. Every function takes the Actor
and only ever reads or writes rows of the actor's workspace: a customer id of another workspace is NotFound.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Sum

from app.clients.services import ClientInput, create_client
from app.clients.tables import Client
from app.core.errors import NotFound, ValidationFailed
from app.core.queries import clamp_page, contains_ci, contains_sql, like_pattern, page_count
from app.core.timeutil import as_moment, utcnow
from app.core.validation import require_id
from app.stripe_data import versions
from app.stripe_data.freemail import is_free_mail
from app.stripe_data.matching import rematch_workspace
from app.stripe_data.tables import CustomerMatch, MatchMethod, StripeCustomer, StripeInvoice
from app.workspaces.services import Actor

PAGE_SIZE = 50
MAX_BULK = 500
_CLIENT_REF = re.compile(r"#(\d+)\s*$")

_DECIDED = "SELECT customer_id FROM customer_match WHERE workspace = {} AND (client IS NOT NULL OR ignored = {})"
_UNMATCHED_FROM = (
    " FROM stripe_customer c LEFT JOIN (SELECT customer_id, COUNT(*) AS n, MAX(created) AS last_invoice "
    "FROM stripe_invoice WHERE workspace = {} AND status NOT IN ('draft', 'void') GROUP BY customer_id) i "
    "ON i.customer_id = c.stripe_id WHERE c.workspace = {} AND c.stripe_id NOT IN (" + _DECIDED + ")"
)
_COUNT_UNMATCHED = "SELECT COUNT(*) AS n" + _UNMATCHED_FROM


@dataclass
class ReviewCounts:
    unmatched: int
    matched: int
    ignored: int


@dataclass
class ReviewPage:
    rows: list[dict]
    total: int
    page: int
    q: str
    counts: ReviewCounts
    page_size: int = PAGE_SIZE
    clients: list[dict] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return page_count(self.total, self.page_size)


def _search(q: str) -> tuple[str, list]:
    if not q:
        return "", []
    engine = StripeCustomer._meta.db.engine_type
    name, email = contains_sql("c.name", engine), contains_sql("c.email", engine)
    return f" AND ({name} OR {email} OR c.stripe_id = {{}})", [like_pattern(q), like_pattern(q), q]


async def unmatched_count(workspace_id: int) -> int:
    """Customers of the workspace that are neither mapped to a client nor ignored."""
    rows = await StripeCustomer.raw(_COUNT_UNMATCHED, workspace_id, workspace_id, workspace_id, True)
    return int(rows[0]["n"])


async def review_counts(workspace_id: int) -> ReviewCounts:
    scope = CustomerMatch.workspace == workspace_id
    return ReviewCounts(
        unmatched=await unmatched_count(workspace_id),
        matched=await CustomerMatch.count().where(scope & CustomerMatch.client.is_not_null()),
        ignored=await CustomerMatch.count().where(scope & (CustomerMatch.ignored == True)),  # noqa: E712
    )


async def list_unmatched(actor: Actor, q: str = "", page: int = 1) -> ReviewPage:
    """One page of unmatched customers, the ones with most invoices first.

    Args:
        actor: whose workspace.
        q: optional search over name, email or customer id.
        page: 1-based page number (clamped).

    Returns:
        Rows with name, email, domain, invoice count, totals per currency, last invoice and suggestions.
    """
    ws = actor.workspace_id
    q = " ".join((q or "").split())[:200]
    where, params = _search(q)
    counts = await review_counts(ws)
    total = (
        counts.unmatched
        if not q
        else int((await StripeCustomer.raw(_COUNT_UNMATCHED + where, ws, ws, ws, True, *params))[0]["n"])
    )
    page = clamp_page(page, total, PAGE_SIZE)
    rows = await StripeCustomer.raw(
        "SELECT c.stripe_id AS stripe_id, c.account_id AS account_id, c.name AS name, c.email AS email, "
        "c.email_domain AS email_domain, c.website_domain AS website_domain, c.currency AS currency, "
        "c.deleted AS deleted, COALESCE(i.n, 0) AS invoice_count, i.last_invoice AS last_invoice"
        + _UNMATCHED_FROM
        + where
        + " ORDER BY invoice_count DESC, LOWER(c.name), c.id LIMIT {} OFFSET {}",
        ws,
        ws,
        ws,
        True,
        *params,
        PAGE_SIZE,
        (page - 1) * PAGE_SIZE,
    )
    await _decorate(ws, rows)
    return ReviewPage(
        rows=rows, total=total, page=page, q=q, counts=counts, clients=await search_clients(actor, "", limit=500)
    )


async def _decorate(workspace_id: int, rows: list[dict]) -> None:
    """Add invoice totals per currency, the domain to show, and suggested clients with their names."""
    ids = [row["stripe_id"] for row in rows]
    totals: dict[str, dict[str, int]] = {}
    suggestions: dict[str, list] = {}
    reasons: dict[str, str] = {}
    if ids:
        for row in (
            await StripeInvoice.select(
                StripeInvoice.customer_id, StripeInvoice.currency, Sum(StripeInvoice.total).as_alias("total")
            )
            .where(
                (StripeInvoice.workspace == workspace_id)
                & StripeInvoice.customer_id.is_in(ids)
                & StripeInvoice.status.not_in(["draft", "void"])
            )
            .group_by(StripeInvoice.customer_id, StripeInvoice.currency)
        ):
            totals.setdefault(row["customer_id"], {})[row["currency"]] = int(row["total"] or 0)
        for row in await CustomerMatch.select(
            CustomerMatch.customer_id, CustomerMatch.suggestions, CustomerMatch.reason
        ).where((CustomerMatch.workspace == workspace_id) & CustomerMatch.customer_id.is_in(ids)):
            raw = row["suggestions"]
            suggestions[row["customer_id"]] = json.loads(raw) if isinstance(raw, str) else (raw or [])
            reasons[row["customer_id"]] = row["reason"]
    client_ids = {s["client"] for items in suggestions.values() for s in items if isinstance(s, dict)}
    names = (
        {
            r["id"]: r["name"]
            for r in await Client.select(Client.id, Client.name).where(
                (Client.workspace == workspace_id) & Client.id.is_in(sorted(client_ids))
            )
        }
        if client_ids
        else {}
    )
    for row in rows:
        row["totals"] = sorted(totals.get(row["stripe_id"], {}).items())
        row["last_invoice"] = as_moment(row["last_invoice"])
        row["domain"] = row["website_domain"] or (row["email_domain"] if not is_free_mail(row["email_domain"]) else "")
        row["reason"] = reasons.get(row["stripe_id"], "")
        row["suggestions"] = [
            {"id": s["client"], "name": names[s["client"]], "reason": s["reason"]}
            for s in suggestions.get(row["stripe_id"], [])
            if s.get("client") in names
        ]
        row["prefill"] = prefill(row)


def prefill(customer: dict) -> dict[str, str]:
    """What "create a client from this customer" starts with: its name, email and company domain."""
    domain = customer.get("website_domain") or ""
    if not domain and customer.get("email_domain") and not is_free_mail(customer["email_domain"]):
        domain = customer["email_domain"]
    name = customer.get("name") or (customer.get("email") or "").partition("@")[0] or customer["stripe_id"]
    return {"name": name, "email": customer.get("email") or "", "domain": domain}


async def search_clients(actor: Actor, q: str = "", limit: int = 20) -> list[dict]:
    """Clients for the picker, by name; each has a `label` ("Acme Rockets #12") that resolve_client understands."""
    query = Client.select(Client.id, Client.name, Client.status).where(Client.workspace == actor.workspace_id)
    q = " ".join((q or "").split())[:200]
    if q:
        query = query.where(contains_ci(Client.name, q))
    rows = await query.order_by(Client.name).limit(limit)
    for row in rows:
        row["label"] = f"{row['name']} #{row['id']}"
    return rows


async def resolve_client(actor: Actor, text: str) -> int:
    """The client id a picker value names: "Name #12", a bare id, or an exact, unique name.

    Raises:
        ValidationFailed: nothing or several clients fit.
        NotFound: the id belongs to no client of this workspace.
    """
    text = (text or "").strip()
    ref = _CLIENT_REF.search(text) or (re.fullmatch(r"(\d+)", text) if text else None)
    if ref:
        client_id = require_id(int(ref.group(1)))
        if not await Client.exists().where((Client.id == client_id) & (Client.workspace == actor.workspace_id)):
            raise NotFound("We couldn't find that client.")
        return client_id
    if text:
        # An exact comparison, not LIKE: a typed "%" or "_" must not act as a wildcard and pick some client.
        rows = (
            await Client.select(Client.id, Client.name)
            .where(Client.workspace == actor.workspace_id)
            .where(WhereRaw("LOWER(name) = LOWER({})", text))
        )
        if len(rows) == 1:
            return rows[0]["id"]
    raise ValidationFailed({"client": "Pick a client from the list."}, "Pick a client from the list.")


async def _customers(actor: Actor, customer_ids: list[str]) -> list[dict]:
    """The workspace's customers with these ids; any unknown or foreign id is NotFound (we never say which)."""
    wanted = sorted({c for c in customer_ids if c})
    if not wanted:
        raise ValidationFailed({"customer_ids": "Select at least one customer."}, "Select at least one customer.")
    if len(wanted) > MAX_BULK:
        raise ValidationFailed(
            {"customer_ids": f"Select at most {MAX_BULK} customers at a time."},
            f"Select at most {MAX_BULK} customers at a time.",
        )
    rows = await StripeCustomer.select(
        StripeCustomer.stripe_id,
        StripeCustomer.account_id,
        StripeCustomer.name,
        StripeCustomer.email,
        StripeCustomer.email_domain,
        StripeCustomer.website_domain,
    ).where((StripeCustomer.workspace == actor.workspace_id) & StripeCustomer.stripe_id.is_in(wanted))
    if len({row["stripe_id"] for row in rows}) != len(wanted):
        raise NotFound("We couldn't find that Stripe customer.")
    return rows


async def _decide(actor: Actor, customers: list[dict], client_id: int | None, ignored: bool, reason: str) -> None:
    """Store a person's decision for these customers, replacing whatever rematch had written."""
    now = utcnow()
    async with CustomerMatch._meta.db.transaction():
        await versions.bump(actor.workspace_id)  # revenue figures count customers for their clients
        for customer in customers:
            await CustomerMatch.delete().where(
                (CustomerMatch.workspace == actor.workspace_id)
                & (CustomerMatch.account_id == customer["account_id"])
                & (CustomerMatch.customer_id == customer["stripe_id"])
            )
        await CustomerMatch.insert(
            *[
                CustomerMatch(
                    workspace=actor.workspace_id,
                    account_id=c["account_id"],
                    customer_id=c["stripe_id"],
                    client=client_id,
                    method="" if ignored else MatchMethod.manual.value,
                    reason=reason,
                    ignored=ignored,
                    suggestions=[],
                    updated_at=now,
                )
                for c in customers
            ]
        )


def _who(actor: Actor) -> str:
    return actor.user.name or actor.user.email


async def map_customers(actor: Actor, customer_ids: list[str], client_ref: str) -> tuple[int, str]:
    """Map customers to one client by hand (a manual mapping always wins over automatic rules).

    Raises:
        NotFound: a customer or the client is not in this workspace.
        ValidationFailed: no customers selected, or no client picked.

    Returns:
        The client's id and name.
    """
    customers = await _customers(actor, customer_ids)
    client_id = await resolve_client(actor, client_ref)
    name = (await Client.select(Client.name).where(Client.id == client_id).first())["name"]
    await _decide(actor, customers, client_id, False, f"mapped by {_who(actor)}")
    return client_id, name


async def ignore_customers(actor: Actor, customer_ids: list[str]) -> int:
    """Mark customers as not belonging to any client; they leave the review list for good.

    Raises:
        NotFound: a customer is not in this workspace.
    """
    customers = await _customers(actor, customer_ids)
    await _decide(actor, customers, None, True, f"ignored by {_who(actor)}")
    return len(customers)


async def create_client_from(
    actor: Actor, customer_id: str, name: str = "", email: str = "", domain: str = ""
) -> tuple[int, str]:
    """Create a client from a Stripe customer (prefilled values, editable) and map the customer to it.

    Raises:
        NotFound: the customer is not in this workspace.
        PlanRequired: the Free plan already has its 3 active clients.
        ValidationFailed: the name, email or domain is not acceptable (e.g. the email belongs to another client).
    """
    customer = (await _customers(actor, [customer_id]))[0]
    values = prefill(customer)
    data = ClientInput(
        name=name or values["name"],
        emails=[email] if email else [],
        domains=[domain] if domain and not is_free_mail(domain) else [],
    )
    try:
        client = await create_client(actor, data)
    except ValidationFailed as exc:  # the grid shows one message (a toast), so say exactly what is wrong
        raise ValidationFailed(exc.errors, " ".join(exc.errors.values())) from exc
    await rematch_workspace(actor.workspace_id)  # its email and domain may claim other customers too
    await _decide(actor, [customer], client.id, False, f"created from Stripe by {_who(actor)}")
    return client.id, client.name


async def customer_row(actor: Actor, customer_id: str) -> dict:
    """One customer as the grid shows it, with its current decision (for swapping a row after an action)."""
    customer = (await _customers(actor, [customer_id]))[0]
    match = (
        await CustomerMatch.select(
            CustomerMatch.client.name.as_alias("client_name"), CustomerMatch.client, CustomerMatch.ignored
        )
        .where((CustomerMatch.workspace == actor.workspace_id) & (CustomerMatch.customer_id == customer_id))
        .first()
    )
    return {
        **customer,
        "client_id": match["client"] if match else None,
        "client_name": match["client_name"] if match else "",
        "ignored": bool(match and match["ignored"]),
    }
