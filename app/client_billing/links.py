"""Private billing links: one per client, made, replaced and revoked by owners, opened by the client without a log-in.

The link carries 32 random bytes (256 bits, unguessable); the database keeps only their SHA-256, so a copy of the
database opens no billing page. Looking a token up by its hash and comparing the hashes with `hmac.compare_digest`
means the time a guess takes says nothing about how close it came. The full link is shown once, when it is made;
an owner who lost it replaces it, which kills the old one in the same write.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from app.client_billing.tables import BillingLink
from app.clients.tables import Client
from app.core.errors import NotFound
from app.core.timeutil import utcnow
from app.workspaces import plans
from app.workspaces.services import Actor
from app.workspaces.tables import Workspace

TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters; anything else is not one of ours, and is refused before hashing.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class LinkState:
    """What the client's page shows an owner or teammate about the link (never the token, once made)."""

    client_id: int
    client_name: str
    active: bool
    created_at: Any = None
    revoked_at: Any = None


@dataclass(frozen=True)
class Opened:
    """A live link's workspace and client, as its token opened them."""

    workspace: dict[str, Any]
    client: dict[str, Any]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _client(actor: Actor, client_id: int) -> dict[str, Any]:
    row = (
        await Client.select(Client.id, Client.name)
        .where((Client.id == client_id) & (Client.workspace == actor.workspace_id))
        .first()
    )
    if row is None:
        raise NotFound("We couldn't find that client.")
    return row


async def state(actor: Actor, client_id: int) -> LinkState:
    """Whether the client has a live link (anyone in the workspace may ask; another workspace's client: NotFound)."""
    client = await _client(actor, client_id)
    row = await BillingLink.select().where(BillingLink.client == client_id).first()
    return LinkState(
        client_id=client_id,
        client_name=client["name"],
        active=bool(row and row["token_hash"]),
        created_at=row["created_at"] if row else None,
        revoked_at=row["revoked_at"] if row else None,
    )


async def create(actor: Actor, client_id: int) -> str:
    """A new link for the client, replacing (and so revoking) any earlier one; returns the token, shown once.

    Raises:
        PlanRequired: the plan has no Auto Billing.
        PermissionDenied: not an owner.
        NotFound: not a client of the actor's workspace.
    """
    plans.require(actor.workspace, plans.Feature.auto_billing)
    actor.require_owner("create or replace a client's billing link")
    await _client(actor, client_id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = BillingLink(
        workspace=actor.workspace_id,
        client=client_id,
        token_hash=_hash(token),
        created_by=actor.user.id,
        created_at=utcnow(),
        revoked_at=None,
    )
    # One row per client: the new hash overwrites the old one, so the old link stops working in this same write.
    await BillingLink.insert(row).on_conflict(
        target=BillingLink.client,
        action="DO UPDATE",
        values=[BillingLink.token_hash, BillingLink.created_by, BillingLink.created_at, BillingLink.revoked_at],
    )
    return token


async def revoke(actor: Actor, client_id: int) -> None:
    """Kill the client's link at once (owners). Revoking twice, or a client without a link, changes nothing."""
    plans.require(actor.workspace, plans.Feature.auto_billing)
    actor.require_owner("revoke a client's billing link")
    await _client(actor, client_id)
    await BillingLink.update({BillingLink.token_hash: None, BillingLink.revoked_at: utcnow()}).where(
        (BillingLink.client == client_id)
        & (BillingLink.workspace == actor.workspace_id)
        & BillingLink.token_hash.is_not_null()
    )


async def open_link(token: str) -> Opened:
    """The workspace and client a live link belongs to; NotFound for a malformed, unknown or revoked token."""
    if not _TOKEN.fullmatch(token or ""):
        raise NotFound()
    digest = _hash(token)
    row = (
        await BillingLink.select(BillingLink.workspace, BillingLink.client, BillingLink.token_hash)
        .where(BillingLink.token_hash == digest)
        .first()
    )
    if row is None or not hmac.compare_digest(row["token_hash"], digest):
        raise NotFound()
    client = (
        await Client.select(Client.id, Client.name, Client.workspace)
        .where((Client.id == row["client"]) & (Client.workspace == row["workspace"]))
        .first()
    )
    workspace = (
        await Workspace.select(Workspace.id, Workspace.name, Workspace.plan, Workspace.timezone)
        .where(Workspace.id == row["workspace"])
        .first()
    )
    if client is None or workspace is None:
        raise NotFound()
    return Opened(workspace=workspace, client=client)
