"""Who is signed in: session helpers and the `user` / `actor` dependencies every page uses."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from app.accounts import sessions
from app.accounts.tables import User
from app.workspaces.services import Actor, actor_for


class NotAuthenticated(Exception):
    """No valid session; the error handler sends the person to the login page."""


class NoWorkspace(Exception):
    """Signed in but a member of no workspace yet; the handler sends them to create one."""


def _session(request: Request) -> dict[str, Any]:
    return request.session if request.scope.get("session") else {}


def client_ip(request: Request) -> str:
    """The address the server saw; X-Forwarded-For is not trusted here (uvicorn rewrites it only for known proxies)."""
    return request.client.host if request.client else ""


def current_session_key(request: Request) -> str | None:
    key = _session(request).get("sid")
    return key if isinstance(key, str) else None


async def log_in(request: Request, user: User, workspace_id: int | None = None) -> None:
    """Start a fresh session (a new server-side record and cookie value), so a fixated pre-login session is useless."""
    request.clear_session()
    key = await sessions.start_session(user.id, request.headers.get("user-agent", ""), client_ip(request))
    request.set_session({"sid": key, "wid": workspace_id or user.last_workspace_id})


async def log_out(request: Request) -> None:
    """End this device's session on the server too, so a copy of the cookie stops working."""
    key = current_session_key(request)
    if key:
        await sessions.end_session(key)
    request.set_session({})


async def log_out_everywhere(request: Request, user: User) -> None:
    """End every session of the user, this device's included."""
    await sessions.end_every_session(user.id)
    request.set_session({})


def set_current_workspace(request: Request, workspace_id: int) -> None:
    session = dict(request.session)
    session["wid"] = workspace_id
    request.set_session(session)


async def current_user_or_none(request: Request) -> User | None:
    """The signed-in user, when the cookie names a session that is neither logged out nor past its lifetime."""
    key = current_session_key(request)
    return await sessions.user_for_session(key) if key else None


async def provide_user(request: Request) -> User:
    user = await current_user_or_none(request)
    if user is None:
        raise NotAuthenticated()
    return user


async def provide_actor(request: Request) -> Actor:
    user = await provide_user(request)
    actor = await actor_for(user, request.session.get("wid"))
    if actor is None:
        raise NoWorkspace()
    if request.session.get("wid") != actor.workspace_id:
        set_current_workspace(request, actor.workspace_id)
    request.state.actor = actor
    return actor


DEPENDENCIES = {"user": Provide(provide_user), "actor": Provide(provide_actor)}

# Explicit markers for handler signatures (Litestar 2.23+ deprecates inferring dependencies by name).
CurrentUser = NamedDependency[User]
CurrentActor = NamedDependency[Actor]
