"""Server-side sessions: one row per signed-in device, so that logging out ends the session for good.

The session cookie is signed and encrypted, but a copy of it used to keep working until it expired. Now it
only carries a random key; the session is alive while its row is unrevoked and younger than
SESSION_MAX_AGE_SECONDS, whatever the client still holds.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.accounts.tables import User, UserSession
from app.core.security import hash_token
from app.core.timeutil import utcnow
from app.settings import get_settings

# last_seen_at is for people reading their device list, not for security: refreshing it at most this often
# keeps the per-request check a single read.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True)
class Device:
    """A live session as the account page shows it."""

    created_at: datetime
    last_seen_at: datetime
    user_agent: str
    ip_address: str
    current: bool


def _oldest_allowed_start() -> datetime:
    return utcnow() - timedelta(seconds=get_settings().session_max_age_seconds)


def _live(key_hash: str | None = None):
    condition = UserSession.revoked_at.is_null() & (UserSession.created_at >= _oldest_allowed_start())
    return condition & (UserSession.key_hash == key_hash) if key_hash is not None else condition


async def start_session(user_id: int, user_agent: str = "", ip_address: str = "") -> str:
    """Record a new signed-in device.

    Returns:
        The key to put in the session cookie; only its sha256 is stored.
    """
    key = secrets.token_urlsafe(32)
    now = utcnow()
    await UserSession.insert(
        UserSession(
            user=user_id,
            key_hash=hash_token(key),
            created_at=now,
            last_seen_at=now,
            user_agent=user_agent[:300],
            ip_address=ip_address[:64],
        )
    )
    # Sessions past the lifetime can never be used again: pruning them here bounds each user's rows.
    await UserSession.delete().where((UserSession.user == user_id) & (UserSession.created_at < _oldest_allowed_start()))
    return key


async def user_for_session(key: str) -> User | None:
    """The user a live session belongs to (one indexed lookup joined with the user), or None."""
    row = await UserSession.objects(UserSession.user).where(_live(hash_token(key))).first()
    if row is None:
        return None
    now = utcnow()
    if now - row.last_seen_at >= LAST_SEEN_RESOLUTION:
        await UserSession.update({UserSession.last_seen_at: now}).where(UserSession.id == row.id)
    return row.user


async def end_session(key: str) -> None:
    """Revoke one session (logging out on this device leaves the others signed in)."""
    await UserSession.update({UserSession.revoked_at: utcnow()}).where(
        (UserSession.key_hash == hash_token(key)) & UserSession.revoked_at.is_null()
    )


async def end_every_session(user_id: int) -> int:
    """Revoke every session of a user (log out everywhere, password reset).

    Returns:
        How many sessions it revoked.
    """
    ended = (
        await UserSession.update({UserSession.revoked_at: utcnow()})
        .where((UserSession.user == user_id) & UserSession.revoked_at.is_null())
        .returning(UserSession.id)
    )
    return len(ended)


async def live_devices(user_id: int, current_key: str | None) -> list[Device]:
    """The user's live sessions, most recently seen first, marking the one `current_key` belongs to."""
    current_hash = hash_token(current_key) if current_key else None
    rows = (
        await UserSession.objects()
        .where((UserSession.user == user_id) & _live())
        .order_by(UserSession.last_seen_at, ascending=False)
    )
    return [
        Device(row.created_at, row.last_seen_at, row.user_agent, row.ip_address, row.key_hash == current_hash)
        for row in rows
    ]


async def prune_ended_sessions() -> int:
    """Delete sessions that can never be used again (revoked, or past the lifetime), for every user.

    Returns:
        How many rows it deleted.
    """
    gone = (
        await UserSession.delete()
        .where(UserSession.revoked_at.is_not_null() | (UserSession.created_at < _oldest_allowed_start()))
        .returning(UserSession.id)
    )
    return len(gone)
