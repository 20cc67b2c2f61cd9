"""Shared form plumbing: the URL-encoded body annotation and error re-rendering."""

from __future__ import annotations

from typing import Annotated, TypeVar

from litestar.enums import RequestEncodingType
from litestar.params import Body

T = TypeVar("T")

# Every form dataclass gives its fields defaults, so a missing field reaches our own validation
# (with a message for the person) instead of Litestar's generic 400.
Form = Annotated[T, Body(media_type=RequestEncodingType.URL_ENCODED)]


def safe_next(target: str | None, default: str = "/dashboard") -> str:
    """Only same-site relative paths may be redirect targets (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
