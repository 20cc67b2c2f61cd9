"""A tiny ASGI request/response layer and router (no framework needed)."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode


@dataclass
class Request:
    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes
    client: str | None
    path_params: dict[str, str] = field(default_factory=dict)

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json_or_form(self) -> dict:
        from .wire import parse_params

        ctype = self.header("content-type", "") or ""
        if "json" in ctype and self.body:
            data = json.loads(self.body)
            return data if isinstance(data, dict) else {}
        return parse_params(self.query_string, self.body)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict | None = None) -> Response:
        body = json.dumps(data, separators=(",", ":")).encode()  # compact: the C encoder is much faster
        return cls(status, body, "application/json", dict(headers or {}))

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), "text/html; charset=utf-8")

    @classmethod
    def redirect(cls, base: str, params: dict, status: int = 302) -> Response:
        sep = "&" if "?" in base else "?"
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return cls(status, b"", "text/plain", {"location": f"{base}{sep}{query}"})


Handler = Callable[[Request], Awaitable[Response]]


class Router:
    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern, Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")
        self.routes.append((method, regex, handler))

    def match(self, method: str, path: str) -> tuple[Handler | None, dict, bool]:
        """Return (handler, path params, path_exists)."""
        path_exists = False
        for m, regex, handler in self.routes:
            found = regex.match(path)
            if found:
                path_exists = True
                if m == method:
                    return handler, found.groupdict(), True
        return None, {}, path_exists


async def read_request(scope: dict, receive: Callable) -> Request:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    client = scope.get("client")
    return Request(
        scope["method"].upper(),
        scope["path"],
        scope.get("query_string", b"").decode("latin-1"),
        headers,
        body,
        client[0] if client else None,
    )


async def send_response(send: Callable, resp: Response) -> None:
    headers = [(b"content-type", resp.content_type.encode()), (b"content-length", str(len(resp.body)).encode())]
    headers += [(k.lower().encode(), str(v).encode()) for k, v in resp.headers.items()]
    await send({"type": "http.response.start", "status": resp.status, "headers": headers})
    await send({"type": "http.response.body", "body": resp.body})
