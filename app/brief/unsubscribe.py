"""The signed one-click unsubscribe link of the Monday Brief: no log-in, one person, one workspace.

The token carries the workspace and user ids and an HMAC of them keyed from SECRET_KEY (a key of its own, derived,
so a token for this purpose is worth nothing elsewhere). It does not expire: a brief read months later must still
unsubscribe, and all it can do is switch one brief off, which the person can undo from their settings.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from app.brief.recipients import set_opt_in
from app.core.errors import DomainError, NotFound
from app.settings import get_settings
from app.workspaces.tables import Membership, Workspace

# The route's path, spelled once: the controller mounts it and the emails link to it.
UNSUBSCRIBE_PATH = "/brief/unsubscribe/{token:str}"


class BadToken(DomainError):
    """The link was altered or cut short: it names nobody, and nothing may change."""


def _key() -> bytes:
    return hashlib.sha256(b"clientpulse-brief-unsubscribe:" + get_settings().secret_key.encode()).digest()


def _mac(payload: str) -> str:
    digest = hmac.new(_key(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make_token(workspace_id: int, user_id: int) -> str:
    payload = f"{workspace_id}-{user_id}"
    return f"{payload}.{_mac(payload)}"


def read_token(token: str) -> tuple[int, int]:
    """(workspace id, user id) of a token this app signed.

    Raises:
        BadToken: the token is not one we signed.
    """
    payload, _, mac = token.partition(".")
    if not mac or not hmac.compare_digest(mac, _mac(payload)):
        raise BadToken(
            "This unsubscribe link is not valid: it may have been cut short or changed. Use the link in your latest "
            "Monday Brief, or switch the brief off in your settings."
        )
    workspace_id, _, user_id = payload.partition("-")
    return int(workspace_id), int(user_id)


def unsubscribe_url(workspace_id: int, user_id: int) -> str:
    """The absolute one-click link that turns one person's brief for one workspace off."""
    path = UNSUBSCRIBE_PATH.replace("{token:str}", make_token(workspace_id, user_id))
    return get_settings().base_url.rstrip("/") + path


def unsubscribe_headers(workspace_id: int, user_id: int) -> tuple[tuple[str, str], ...]:
    """RFC 8058: mail clients show an Unsubscribe button that POSTs to the link without opening it."""
    return (
        ("List-Unsubscribe", f"<{unsubscribe_url(workspace_id, user_id)}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )


@dataclass(frozen=True)
class Subscription:
    workspace_id: int
    user_id: int
    workspace_name: str


async def find(token: str) -> Subscription:
    """Whose brief a link switches off.

    Raises:
        BadToken: not a link we signed.
        NotFound: the workspace is gone, or the person is no longer in it.
    """
    workspace_id, user_id = read_token(token)
    member = (Membership.workspace == workspace_id) & (Membership.user == user_id)
    workspace = await Workspace.select(Workspace.name).where(Workspace.id == workspace_id).first()
    if workspace is None or not await Membership.exists().where(member):
        raise NotFound("This Monday Brief no longer exists: its workspace was deleted, or you left it.")
    return Subscription(workspace_id, user_id, workspace["name"])


async def unsubscribe(token: str) -> Subscription:
    """Switch off the brief a link names; a second click (or a mail client's automatic one) changes nothing more."""
    subscription = await find(token)
    await set_opt_in(subscription.workspace_id, subscription.user_id, False)
    return subscription
