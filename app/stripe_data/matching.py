"""Matching Stripe customers to clients: exact email, then company domain, never free-mail; ambiguity goes to a person.

Rules, in order (the first that decides wins):
1. Manual mappings and ignores are never touched here: a person decided, and re-syncs, rematches and
   disconnect/reconnect of the same account keep that decision (rows are keyed by workspace, account, customer).
2. Exact email: the customer's email, or any `customer_email` on its invoices, equals a client's contact email.
   Emails that point at two different clients are ambiguous and go to review with both suggestions.
3. Domain: the domain of those emails (skipping free-mail providers) or the customer's website domain equals a
   client's domain (the most specific level wins: eu.acme.com before acme.com). A domain claimed by two clients,
   or an email domain and a website pointing at different clients, is ambiguous → review.
4. Otherwise unmatched; a client with the same name is offered as a suggestion, never applied.

Archived clients still match: archiving ends the relationship, not its history, and invoices they paid must stay
attributed to them (the clients page hides them by default anyway).

Scale: every client email/domain of the workspace is loaded once into dicts, customers are read in batches of
BATCH with one invoice-email query per batch, and writes are bulk deletes/inserts of the rows that changed, so the
number of queries grows with customers / BATCH, never with customers × clients.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.clients.tables import Client, ClientDomain, ClientEmail
from app.core.timeutil import utcnow
from app.stripe_data import upserts, versions
from app.stripe_data.freemail import is_free_mail
from app.stripe_data.tables import CustomerMatch, MatchMethod, StripeCustomer, StripeInvoice

BATCH = 1000


@dataclass
class MatchSummary:
    """What a rematch found for one account (all customers, not only the ones that changed)."""

    customers: int = 0
    by_email: int = 0
    by_domain: int = 0
    manual: int = 0
    ignored: int = 0
    ambiguous: int = 0
    unmatched: int = 0
    changed: int = 0

    @property
    def matched(self) -> int:
        return self.by_email + self.by_domain + self.manual


@dataclass
class ClientIndex:
    """A workspace's clients as lookup tables: one load per rematch, O(1) per customer afterwards."""

    emails: dict[str, int] = field(default_factory=dict)
    domains: dict[str, set[int]] = field(default_factory=dict)
    by_name: dict[str, set[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    client_id: int | None
    method: str  # "email" | "domain" | "" (unmatched)
    reason: str
    suggestions: tuple[tuple[int, str], ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.client_id is None and len(self.suggestions) > 1 and self.reason.startswith("Ambiguous")


def _name_key(name: str) -> str:
    return " ".join((name or "").lower().split())


async def load_client_index(workspace_id: int) -> ClientIndex:
    """Every client email, domain and name of the workspace (archived clients included), in three queries."""
    index = ClientIndex()
    for row in await ClientEmail.select(ClientEmail.email, ClientEmail.client).where(
        ClientEmail.workspace == workspace_id
    ):
        index.emails[row["email"].lower()] = row["client"]
    for row in await ClientDomain.select(ClientDomain.domain, ClientDomain.client).where(
        ClientDomain.workspace == workspace_id
    ):
        index.domains.setdefault(row["domain"].lower(), set()).add(row["client"])
    for row in await Client.select(Client.id, Client.name).where(Client.workspace == workspace_id):
        index.by_name.setdefault(_name_key(row["name"]), set()).add(row["id"])
    return index


def _domain_hits(domain: str, index: ClientIndex) -> tuple[str, set[int]]:
    """The most specific level of `domain` that some client claims, and which clients claim it."""
    labels = domain.split(".")
    for start in range(len(labels) - 1):
        candidate = ".".join(labels[start:])
        if candidate in index.domains:
            return candidate, index.domains[candidate]
    return "", set()


def decide(emails: Iterable[str], website_domain: str, name: str, index: ClientIndex) -> Decision:
    """Apply the automatic rules to one customer (pure: no database), see the module docstring.

    Args:
        emails: the customer's email and its invoices' customer_email values (lower-case; blanks ignored).
        website_domain: the normalised website domain from the customer's metadata, or "".
        name: the customer's name, used only for suggestions.
        index: the workspace's clients.

    Returns:
        A Decision: a client with method and reason, or none with suggestions and the reason why not.
    """
    addresses = sorted({e.strip().lower() for e in emails if e and "@" in e})
    email_hits: dict[int, str] = {}
    for address in addresses:
        client_id = index.emails.get(address)
        if client_id is not None:
            email_hits.setdefault(client_id, address)
    if len(email_hits) == 1:
        client_id, address = next(iter(email_hits.items()))
        return Decision(client_id, MatchMethod.email.value, f"email {address}")
    if email_hits:
        suggestions = tuple(sorted((cid, f"email {addr}") for cid, addr in email_hits.items()))
        return Decision(None, "", "Ambiguous: its emails belong to different clients", suggestions)

    domain_hits: dict[int, str] = {}
    free: list[str] = []
    for address in addresses:
        domain = address.rpartition("@")[2]
        if is_free_mail(domain):
            free.append(domain)  # gmail.com says nothing about the company: never a domain match
            continue
        claimed, clients = _domain_hits(domain, index)
        for client_id in clients:
            domain_hits.setdefault(client_id, f"domain {claimed}")
    website = (website_domain or "").lower()
    if website and not is_free_mail(website):
        claimed, clients = _domain_hits(website, index)
        for client_id in clients:
            domain_hits.setdefault(client_id, f"website {claimed}")
    if len(domain_hits) == 1:
        client_id, reason = next(iter(domain_hits.items()))
        return Decision(client_id, MatchMethod.domain.value, reason)
    if domain_hits:
        suggestions = tuple(sorted(domain_hits.items()))
        claims = sorted(set(domain_hits.values()))
        return Decision(None, "", f"Ambiguous: {', '.join(claims)} claimed by {len(domain_hits)} clients", suggestions)

    same_name = tuple(sorted((cid, "same name") for cid in index.by_name.get(_name_key(name), ())))
    if free and not website:
        reason = f"Only a free-mail address ({', '.join(sorted(set(free)))}), which never matches by domain"
    elif not addresses and not website:
        reason = "No email or website to match on"
    else:
        reason = "No client has this email or domain"
    return Decision(None, "", reason, same_name)


async def _invoice_emails(workspace_id: int, account_id: str, customer_ids: list[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    rows = (
        await StripeInvoice.select(StripeInvoice.customer_id, StripeInvoice.customer_email)
        .where(
            (StripeInvoice.workspace == workspace_id)
            & (StripeInvoice.account_id == account_id)
            & StripeInvoice.customer_id.is_in(customer_ids)
            & (StripeInvoice.customer_email != "")
        )
        .distinct()
    )
    for row in rows:
        found.setdefault(row["customer_id"], set()).add(row["customer_email"])
    return found


def _suggestions_json(value: object) -> list:
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            value = []
    return value if isinstance(value, list) else []


def _same(row: dict, decision: Decision) -> bool:
    wanted = [{"client": cid, "reason": why} for cid, why in decision.suggestions]
    return (
        row["client"] == decision.client_id
        and row["method"] == decision.method
        and row["reason"] == decision.reason
        and _suggestions_json(row["suggestions"]) == wanted
    )


async def rematch(
    workspace_id: int,
    account_id: str,
    customer_ids: Iterable[str] | None = None,
    index: ClientIndex | None = None,
) -> MatchSummary:
    """Recompute the automatic matches of one account's customers; manual mappings and ignores are left alone.

    Run by `sync.finish_run` after every backfill or catch-up (all customers), by the sync's writer after each batch
    (only the customers the batch touched), and by whoever changes a client's emails or domains.
    Idempotent: a second run with nothing changed writes nothing.

    Args:
        workspace_id: the workspace whose clients and pulled customers to match.
        account_id: the connected Stripe account the customers came from.
        customer_ids: only these customers (Stripe ids; unknown ones are skipped); None: every customer.
        index: the workspace's clients, when the caller already loaded them; None loads them.

    Returns:
        Counts by outcome for the customers looked at (all of the account's, or `customer_ids`), and how many
        rows changed.
    """
    summary = MatchSummary()
    index = index if index is not None else await load_client_index(workspace_id)
    stale: list[int] = []
    fresh: list[dict] = []
    if customer_ids is None:
        existing = await _existing(workspace_id, account_id, None)
        async for customers in _all_customers(workspace_id, account_id):
            await _match(workspace_id, account_id, customers, existing, index, summary, stale, fresh)
    else:
        wanted = sorted(set(customer_ids))
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            existing = await _existing(workspace_id, account_id, chunk)
            customers = await _customers(workspace_id, account_id).where(StripeCustomer.stripe_id.is_in(chunk))
            await _match(workspace_id, account_id, customers, existing, index, summary, stale, fresh)
    summary.changed = len(fresh)
    await _write(workspace_id, stale, fresh)
    return summary


async def _existing(workspace_id: int, account_id: str, customer_ids: list[str] | None) -> dict[str, dict]:
    where = (CustomerMatch.workspace == workspace_id) & (CustomerMatch.account_id == account_id)
    if customer_ids is not None:
        where &= CustomerMatch.customer_id.is_in(customer_ids)
    rows = await CustomerMatch.select(
        CustomerMatch.id,
        CustomerMatch.customer_id,
        CustomerMatch.client,
        CustomerMatch.method,
        CustomerMatch.reason,
        CustomerMatch.ignored,
        CustomerMatch.suggestions,
    ).where(where)
    return {row["customer_id"]: row for row in rows}


def _customers(workspace_id: int, account_id: str):
    return StripeCustomer.select(
        StripeCustomer.id,
        StripeCustomer.stripe_id,
        StripeCustomer.email,
        StripeCustomer.website_domain,
        StripeCustomer.name,
    ).where((StripeCustomer.workspace == workspace_id) & (StripeCustomer.account_id == account_id))


async def _all_customers(workspace_id: int, account_id: str):
    """Every customer of the account, BATCH at a time in id order."""
    last_id = 0
    while True:
        customers = (
            await _customers(workspace_id, account_id)
            .where(StripeCustomer.id > last_id)
            .order_by(StripeCustomer.id)
            .limit(BATCH)
        )
        if not customers:
            return
        last_id = customers[-1]["id"]
        yield customers


async def _match(
    workspace_id: int,
    account_id: str,
    customers: list[dict],
    existing: dict[str, dict],
    index: ClientIndex,
    summary: MatchSummary,
    stale: list[int],
    fresh: list[dict],
) -> None:
    """Decide each customer of one batch; collect the rows to replace (`stale`) and to insert (`fresh`)."""
    if not customers:
        return
    invoice_emails = await _invoice_emails(workspace_id, account_id, [c["stripe_id"] for c in customers])
    now = utcnow()
    for customer in customers:
        summary.customers += 1
        row = existing.get(customer["stripe_id"])
        if row is not None and row["ignored"]:
            summary.ignored += 1
            continue
        if row is not None and row["method"] == MatchMethod.manual.value:
            summary.manual += 1
            continue
        emails = {customer["email"], *invoice_emails.get(customer["stripe_id"], ())}
        decision = decide(emails, customer["website_domain"], customer["name"], index)
        _count(summary, decision)
        if row is not None and _same(row, decision):
            continue
        if row is not None:
            stale.append(row["id"])
        fresh.append(
            {
                "workspace": workspace_id,
                "account_id": account_id,
                "customer_id": customer["stripe_id"],
                "client": decision.client_id,
                "method": decision.method,
                "reason": decision.reason,
                "ignored": False,
                "suggestions": json.dumps([{"client": cid, "reason": why} for cid, why in decision.suggestions]),
                "updated_at": now,
            }
        )


def _count(summary: MatchSummary, decision: Decision) -> None:
    if decision.method == MatchMethod.email.value:
        summary.by_email += 1
    elif decision.method == MatchMethod.domain.value:
        summary.by_domain += 1
    elif decision.ambiguous:
        summary.ambiguous += 1
    else:
        summary.unmatched += 1


async def _write(workspace_id: int, stale: list[int], fresh: list[dict]) -> None:
    """Replace changed automatic rows in one transaction.

    The delete repeats the "automatic, not ignored" condition and the insert does nothing on conflict, so a person
    mapping or ignoring a customer while this runs always wins over the automatic result.
    """
    if not stale and not fresh:
        return
    async with CustomerMatch._meta.db.transaction():
        await versions.bump(workspace_id)  # first, as every writer does (see versions)
        for start in range(0, len(stale), 500):
            await CustomerMatch.delete().where(
                CustomerMatch.id.is_in(stale[start : start + 500])
                & (CustomerMatch.method != MatchMethod.manual.value)
                & (CustomerMatch.ignored == False)  # noqa: E712
            )
        await upserts.bulk_upsert(CustomerMatch, fresh, replace=False)


async def rematch_workspace(workspace_id: int) -> dict[str, MatchSummary]:
    """Rematch every Stripe account the workspace holds data for (after a client's emails or domains change).

    Returns:
        account id -> its MatchSummary; empty (one cheap query) when nothing was pulled from Stripe.
    """
    rows = (
        await StripeCustomer.select(StripeCustomer.account_id)
        .where(StripeCustomer.workspace == workspace_id)
        .distinct()
    )
    return {row["account_id"]: await rematch(workspace_id, row["account_id"]) for row in rows}
