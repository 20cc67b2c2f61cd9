"""One-time messages shown on the next page, kept in the session cookie.

Litestar's FlashPlugin assumes a session always exists; ours must also work on anonymous
pages (login, errors), so this tiny version treats a missing session as empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request


def _session(request: Request) -> dict[str, Any] | None:
    session = request.scope.get("session")
    return session if isinstance(session, dict) else None


def flash(request: Request, message: str, category: str = "info") -> None:
    session = _session(request)
    if session is None:
        request.set_session({})
        session = request.scope["session"]
    session.setdefault("_messages", []).append({"message": message, "category": category})


def get_flashes(context: Mapping[str, Any]) -> list[dict[str, str]]:
    request = context.get("request")
    session = _session(request) if request is not None else None
    return session.pop("_messages", []) if session else []
