"""Absolute links for places a person reaches from outside a page: emails, and Stripe's OAuth redirect back to us.

Paths come from the route names (`app.route_reverse`), so renaming a route is one change; the host comes from
BASE_URL, never from the request's Host header, so a forged Host can't put someone else's address in an email.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar

from app.settings import get_settings


def absolute_url(app: Litestar, name: str, **path_params: Any) -> str:
    """BASE_URL plus the path of the route called `name` (e.g. "invitations:show", token=...)."""
    return get_settings().base_url.rstrip("/") + app.route_reverse(name, **path_params)


def route_params(app: Litestar, name: str, path: str) -> dict[str, str] | None:
    """The path parameters when `path` is an address of the route called `name`, else None.

    For relative paths that come back to us as data (a sign-up's `next=`), so no code spells the route's path.
    """
    index = app.get_handler_index_by_name(name)
    for template in index["paths"] if index else []:
        pattern = re.sub(r"\\\{(\w+):\w+\\\}", r"(?P<\1>[^/?#]+)", re.escape(template))
        if found := re.fullmatch(pattern, path or ""):
            return found.groupdict()
    return None
