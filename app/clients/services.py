"""Clients of an agency: add, edit, archive, restore, and the rules their emails and domains follow."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.clients.tables import Client, ClientDomain, ClientEmail, ClientStatus
from app.core.errors import NotFound, PlanRequired, ValidationFailed
from app.core.timeutil import utcnow
from app.core.validation import (
    CONTROL_CHARACTER_MESSAGE,
    InvalidValue,
    has_control_characters,
    normalise_domain,
    normalise_email,
    strip_control_characters,
)
from app.workspaces.services import Actor

NAME_MAX = 200
NOTES_MAX = 10_000
# Enough for any real client; a bound keeps one form (or CSV cell) from costing thousands of rows and checks.
EMAILS_MAX = 20
DOMAINS_MAX = 20
# Emails and domains never contain commas, semicolons, pipes or spaces, so any of them separates values.
_SEPARATORS = re.compile(r"[,;|\s]+")


@dataclass
class ClientInput:
    name: str
    emails: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    notes: str = ""


@dataclass
class ClientDetail:
    """A client with its emails and domains (normalised: ASCII domains, lower-case emails)."""

    client: Client
    emails: list[str]
    domains: list[str]


def split_values(values: str | Iterable[str]) -> list[str]:
    """Split text typed one per line or comma/semicolon/pipe-separated into its non-empty values."""
    return [part for item in _listed(values) for part in _SEPARATORS.split(item or "") if part]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def clean_client(data: ClientInput) -> tuple[ClientInput, dict[str, str]]:
    """Normalise a client's fields without touching the database.

    Returns:
        The cleaned input (duplicates removed, order kept, control characters dropped) and field errors,
        empty when valid.
    """
    errors: dict[str, str] = {}
    name = " ".join(strip_control_characters(data.name or "").split())
    if not name:
        errors["name"] = "Enter the client's name."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Keep the name under {NAME_MAX} characters."
    emails, email_errors = _normalise_capped(split_values(data.emails), normalise_email, EMAILS_MAX, "emails")
    domains, domain_errors = _normalise_capped(split_values(data.domains), normalise_domain, DOMAINS_MAX, "domains")
    if email_errors:
        errors["emails"] = " ".join(email_errors)
    if domain_errors:
        errors["domains"] = " ".join(domain_errors)
    notes = strip_control_characters(data.notes or "").strip()
    if len(notes) > NOTES_MAX:
        errors["notes"] = f"Keep notes under {NOTES_MAX:,} characters."
    # Checked on the raw text: splitting on whitespace would quietly turn some controls into spaces. The
    # cleaned values drop them, so a rejected row can still be shown back safely (form, CSV preview).
    raw = {"name": [data.name], "emails": _listed(data.emails), "domains": _listed(data.domains), "notes": [data.notes]}
    errors.update(
        {
            key: CONTROL_CHARACTER_MESSAGE
            for key, values in raw.items()
            if any(has_control_characters(value or "") for value in values)
        }
    )
    return ClientInput(name=name, emails=_unique(emails), domains=_unique(domains), notes=notes), errors


def _listed(values: str | Iterable[str]) -> list[str]:
    return [values] if isinstance(values, str) else list(values)


def _normalise_capped(raw: list[str], normalise, cap: int, noun: str) -> tuple[list[str], list[str]]:
    # Counted before normalising, so a pasted list of thousands costs one message, not thousands of checks.
    distinct = len({value.casefold() for value in raw})
    if distinct > cap:
        return [], [f"A client can have at most {cap} {noun}; this has {distinct}. Keep the main ones."]
    return _normalise_all(raw, normalise)


def _normalise_all(raw: list[str], normalise) -> tuple[list[str], list[str]]:
    values, errors = [], []
    for item in raw:
        try:
            values.append(normalise(item))
        except InvalidValue as exc:
            errors.append(str(exc))
    return values, errors


async def emails_in_use(actor: Actor, emails: list[str], except_client: int | None = None) -> dict[str, str]:
    """Which of `emails` already belong to another client of the workspace.

    Returns:
        email -> that client's name.
    """
    found: dict[str, str] = {}
    for start in range(0, len(emails), 500):  # bounded IN lists stay under every engine's parameter limit
        query = ClientEmail.select(ClientEmail.email, ClientEmail.client.name.as_alias("client_name")).where(
            (ClientEmail.workspace == actor.workspace_id) & ClientEmail.email.is_in(emails[start : start + 500])
        )
        if except_client is not None:
            query = query.where(ClientEmail.client != except_client)
        found.update({row["email"]: row["client_name"] for row in await query})
    return found


async def _validated(actor: Actor, data: ClientInput, client_id: int | None = None) -> ClientInput:
    clean, errors = clean_client(data)
    if clean.emails and "emails" not in errors:
        taken = await emails_in_use(actor, clean.emails, except_client=client_id)
        if taken:
            errors["emails"] = " ".join(f"{email} already belongs to {name}." for email, name in taken.items())
    if errors:
        raise ValidationFailed(errors)
    return clean


async def count_active_clients(actor: Actor) -> int:
    return await Client.count().where(
        (Client.workspace == actor.workspace_id) & (Client.status == ClientStatus.active.value)
    )


async def require_room_for(actor: Actor, adding: int) -> None:
    """Raises PlanRequired when `adding` more active clients would break the plan's client limit."""
    terms = actor.plan
    if terms.client_limit is None or adding <= 0:
        return
    if await count_active_clients(actor) + adding > terms.client_limit:
        raise PlanRequired(terms.limit_message)


async def insert_client(actor: Actor, clean: ClientInput) -> Client:
    """Insert an already validated client; callers hold the transaction."""
    now = utcnow()
    client = Client(
        workspace=actor.workspace_id,
        name=clean.name,
        notes=clean.notes,
        status=ClientStatus.active.value,
        created_at=now,
        updated_at=now,
    )
    await client.save()
    await _insert_contacts(actor, client.id, clean)
    return client


async def _insert_contacts(actor: Actor, client_id: int, clean: ClientInput) -> None:
    if clean.emails:
        await ClientEmail.insert(
            *[ClientEmail(workspace=actor.workspace_id, client=client_id, email=email) for email in clean.emails]
        )
    if clean.domains:
        await ClientDomain.insert(
            *[ClientDomain(workspace=actor.workspace_id, client=client_id, domain=domain) for domain in clean.domains]
        )


def _is_unique_violation(exc: Exception) -> bool:
    return "unique" in str(exc).lower()


async def create_client(actor: Actor, data: ClientInput) -> Client:
    """Add an active client to the actor's workspace.

    The caller rematches the workspace afterwards (`stripe_data.matching.rematch_workspace`): matching builds on
    clients, not the other way round.

    Raises:
        PlanRequired: the plan's client limit is reached (Free holds 3).
        ValidationFailed: errors by field (name, emails, domains, notes).
    """
    await require_room_for(actor, 1)
    clean = await _validated(actor, data)
    try:
        async with Client._meta.db.transaction():
            client = await insert_client(actor, clean)
    except Exception as exc:
        # Two people saving the same email at once: the unique index decides, the loser gets a message.
        if _is_unique_violation(exc):
            raise ValidationFailed({"emails": "One of these emails was just added to another client."}) from exc
        raise
    return client


async def _client(actor: Actor, client_id: int) -> Client:
    client = await Client.objects().where((Client.id == client_id) & (Client.workspace == actor.workspace_id)).first()
    if client is None:
        raise NotFound("We couldn't find that client.")
    return client


async def get_client(actor: Actor, client_id: int) -> ClientDetail:
    """A client of the actor's workspace with its emails and domains.

    Raises:
        NotFound: no such client in this workspace (other workspaces' ids included).
    """
    client = await _client(actor, client_id)
    emails = await ClientEmail.select(ClientEmail.email).where(ClientEmail.client == client.id).order_by(ClientEmail.id)
    domains = (
        await ClientDomain.select(ClientDomain.domain).where(ClientDomain.client == client.id).order_by(ClientDomain.id)
    )
    return ClientDetail(client, [row["email"] for row in emails], [row["domain"] for row in domains])


async def update_client(actor: Actor, client_id: int, data: ClientInput) -> Client:
    """Replace a client's name, emails, domains and notes.

    The caller rematches the workspace afterwards (`stripe_data.matching.rematch_workspace`): matching builds on
    clients, not the other way round.

    Raises:
        NotFound: no such client in this workspace.
        ValidationFailed: errors by field.
    """
    client = await _client(actor, client_id)
    clean = await _validated(actor, data, client_id=client.id)
    try:
        async with Client._meta.db.transaction():
            await Client.update(
                {Client.name: clean.name, Client.notes: clean.notes, Client.updated_at: utcnow()}
            ).where(Client.id == client.id)
            await ClientEmail.delete().where(ClientEmail.client == client.id)
            await ClientDomain.delete().where(ClientDomain.client == client.id)
            await _insert_contacts(actor, client.id, clean)
    except Exception as exc:
        if _is_unique_violation(exc):
            raise ValidationFailed({"emails": "One of these emails was just added to another client."}) from exc
        raise
    return await _client(actor, client.id)


async def _set_status(actor: Actor, client_id: int, status: str) -> Client:
    await Client.update({Client.status: status, Client.updated_at: utcnow()}).where(
        (Client.id == client_id) & (Client.workspace == actor.workspace_id)
    )
    return await _client(actor, client_id)


async def archive_client(actor: Actor, client_id: int) -> Client:
    """Archive a client: it leaves the default list and the plan count, and keeps its data.

    No rematch: archived clients keep matching Stripe customers so their history stays attributed.

    Raises:
        NotFound: no such client in this workspace.
    """
    await _client(actor, client_id)
    return await _set_status(actor, client_id, ClientStatus.archived.value)


async def restore_client(actor: Actor, client_id: int) -> Client:
    """Make an archived client active again.

    Raises:
        NotFound: no such client in this workspace.
        PlanRequired: the plan's client limit is reached (Free holds 3).
    """
    client = await _client(actor, client_id)
    if client.status == ClientStatus.active.value:
        return client
    await require_room_for(actor, 1)
    return await _set_status(actor, client_id, ClientStatus.active.value)
