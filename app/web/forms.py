"""Shared form plumbing: the URL-encoded body annotation, the check every input passes, and error re-rendering."""

from __future__ import annotations

from typing import Annotated, TypeVar

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException
from litestar.params import Body

from app.core.validation import CONTROL_CHARACTER_MESSAGE, has_control_characters, require_id

T = TypeVar("T")

# Every form dataclass gives its fields defaults, so a missing field reaches our own validation
# (with a message for the person) instead of Litestar's generic 400.
Form = Annotated[T, Body(media_type=RequestEncodingType.URL_ENCODED)]


async def check_input(request: Request) -> None:
    """Before any handler: refuse text with control characters in the path, query or form, and bound int ids.

    One place for every route, so no handler (or service) has to remember it: PostgreSQL rejects a NUL with a
    500, and drivers reject integers wider than 64 bits the same way.

    Raises:
        ClientException: a 400 whose message says what to fix.
        NotFound: an int path parameter no row can have as id.
    """
    texts: list[str] = []
    for value in request.path_params.values():
        if isinstance(value, int) and not isinstance(value, bool):
            require_id(value)
        elif isinstance(value, str):
            texts.append(value)
    for key, value in request.query_params.multi_items():
        texts += (key, value)
    if request.content_type[0] == RequestEncodingType.URL_ENCODED:
        # Parsed once: Litestar keeps the parsed form for the handler's `data`.
        for key, value in (await request.form()).multi_items():
            texts.append(key)
            if isinstance(value, str):
                texts.append(value)
    if any(has_control_characters(text) for text in texts):
        raise ClientException(detail=CONTROL_CHARACTER_MESSAGE)


def safe_next(request: Request, target: str | None) -> str:
    """Only same-site relative paths may be redirect targets (no open redirects); anything else: the dashboard."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return request.app.route_reverse("dashboard")
