"""Who is signed in: session helpers and the `user` / `actor` dependencies every page uses."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from app.accounts.tables import User
from app.workspaces.services import Actor, actor_for


class NotAuthenticated(Exception):
    """No valid session; the error handler sends the person to the login page."""


class NoWorkspace(Exception):
    """Signed in but a member of no workspace yet; the handler sends them to create one."""


def log_in(request: Request, user: User, workspace_id: int | None = None) -> None:
    """Start a fresh session (a new cookie value, so a fixated pre-login session is useless)."""
    request.clear_session()
    request.set_session({"uid": user.id, "epoch": user.session_epoch, "wid": workspace_id or user.last_workspace_id})


def log_out(request: Request) -> None:
    request.set_session({})


def set_current_workspace(request: Request, workspace_id: int) -> None:
    session = dict(request.session)
    session["wid"] = workspace_id
    request.set_session(session)


async def current_user_or_none(request: Request) -> User | None:
    session: dict[str, Any] = request.session if request.scope.get("session") else {}
    user_id = session.get("uid")
    if not isinstance(user_id, int):
        return None
    user = await User.objects().where(User.id == user_id).first()
    # A password reset bumps the epoch: sessions started before it stop here.
    if user is None or session.get("epoch") != user.session_epoch:
        return None
    return user


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
