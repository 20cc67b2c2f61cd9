"""API tokens: owners make and revoke them; each API request authenticates with one.

A token's secret is `cp_` + 32 random bytes (URL-safe base64). Only its SHA-256 is stored, so the secret is shown
once, when it is made. Authentication hashes what the caller sent and looks the hash up (a unique index): the
comparison happens inside the index, on digests an attacker cannot steer, so nothing about a near-miss leaks
through timing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from app.api.tables import ApiToken
from app.core.errors import NotFound, ValidationFailed
from app.core.security import hash_token
from app.core.timeutil import as_moment, utcnow
from app.workspaces.services import Actor
from app.workspaces.tables import Workspace

SECRET_PREFIX = "cp_"
# Enough of the secret to tell tokens apart on the settings page, far too little to guess the rest.
SHOWN_CHARACTERS = 10
NAME_LENGTH = 100
# Live tokens per workspace: plenty for every integration an agency runs, and a bound on what a leak can mint.
MAX_LIVE_TOKENS = 25
# last_used_at is written at most this often per token, so a busy integration does not write on every read.
LAST_USED_PRECISION = timedelta(minutes=1)


# The token and its workspace in one plain query: every API request runs it, and the ORM's join costs more CPU to
# build than the query takes to answer (the usage benchmark, docs/performance.md).
_AUTHENTICATE_SQL = (
    "SELECT t.id AS token_id, t.last_used_at AS token_last_used_at, w.* FROM api_token t "
    "JOIN workspace w ON w.id = t.workspace WHERE t.token_hash = {} AND t.revoked_at IS NULL"
)


@dataclass(frozen=True)
class NewToken:
    """A token just made, with the secret that is never shown again."""

    token: ApiToken
    secret: str


@dataclass(frozen=True)
class ApiCaller:
    """Who an API request acts for: the token's workspace scopes every query."""

    token_id: int
    workspace: Workspace


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ValidationFailed({"name": "Name the token after what will use it, such as “Zapier” or “Reporting”."})
    if len(cleaned) > NAME_LENGTH:
        raise ValidationFailed({"name": f"Keep the name under {NAME_LENGTH} characters."})
    return cleaned


def _live(workspace_id: int):
    return (ApiToken.workspace == workspace_id) & ApiToken.revoked_at.is_null()


async def create_token(actor: Actor, name: str) -> NewToken:
    """Make a token for the actor's workspace.

    Raises:
        PermissionDenied: the actor is not an owner.
        ValidationFailed: an empty or overlong name, or the workspace already has MAX_LIVE_TOKENS live tokens.
    """
    actor.require_owner("create API tokens")
    name = _clean_name(name)
    if await ApiToken.count().where(_live(actor.workspace_id)) >= MAX_LIVE_TOKENS:
        raise ValidationFailed({"name": f"A workspace can have {MAX_LIVE_TOKENS} tokens at once. Revoke one first."})
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        workspace=actor.workspace_id,
        name=name,
        prefix=secret[:SHOWN_CHARACTERS],
        token_hash=hash_token(secret),
        created_by=actor.user.id,
        created_at=utcnow(),
    )
    await token.save()
    return NewToken(token=token, secret=secret)


async def list_tokens(actor: Actor) -> list[ApiToken]:
    """The workspace's tokens, live ones first, newest first within each (teammates may look, not change)."""
    tokens = (
        await ApiToken.objects(ApiToken.created_by)
        .where(ApiToken.workspace == actor.workspace_id)
        .order_by(ApiToken.id, ascending=False)
    )
    return sorted(tokens, key=lambda token: token.revoked_at is not None)


async def revoke_token(actor: Actor, token_id: int) -> None:
    """Stop a token from working at once; revoking a revoked token changes nothing.

    Raises:
        PermissionDenied: the actor is not an owner.
        NotFound: no such token in the actor's workspace.
    """
    actor.require_owner("revoke API tokens")
    token = (
        await ApiToken.objects().where((ApiToken.id == token_id) & (ApiToken.workspace == actor.workspace_id)).first()
    )
    if token is None:
        raise NotFound()
    await ApiToken.update({ApiToken.revoked_at: utcnow()}).where(
        (ApiToken.id == token.id) & ApiToken.revoked_at.is_null()
    )


async def authenticate(secret: str) -> ApiCaller | None:
    """The caller a secret stands for, or None for an unknown or revoked one.

    Args:
        secret: what followed "Bearer " in the Authorization header.
    """
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    rows = await ApiToken.raw(_AUTHENTICATE_SQL, hash_token(secret))
    if not rows:
        return None
    row = rows[0]
    token_id, last_used_at = row.pop("token_id"), as_moment(row.pop("token_last_used_at"))
    workspace = Workspace(_exists_in_db=True, **(row | {"created_at": as_moment(row["created_at"])}))
    now = utcnow()
    stale = now - LAST_USED_PRECISION
    # Most requests write nothing (on SQLite even an UPDATE of no rows takes the write lock); the condition repeated
    # in SQL keeps concurrent requests with one token to one write a minute.
    if last_used_at is None or last_used_at < stale:
        await ApiToken.update({ApiToken.last_used_at: now}).where(
            (ApiToken.id == token_id) & (ApiToken.last_used_at.is_null() | (ApiToken.last_used_at < stale))
        )
    return ApiCaller(token_id=token_id, workspace=workspace)
