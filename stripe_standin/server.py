"""The stand-in's ASGI app: request pipeline for /v1 (auth, scoping, faults, idempotency, logging)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from . import render
from .expansion import expand
from .faults import Faults
from .http import Request, Response, Router, read_request, send_response
from .store import PLATFORM_ACCOUNT_ID, AccountData, Store
from .webhooks import Webhooks
from .wire import OAuthError, StripeError, parse_params

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class ApiContext:
    app: StandinApp
    request: Request
    acct: AccountData
    params: dict
    path_params: dict
    platform: bool  # authenticated with the platform key and no Stripe-Account header

    @property
    def store(self) -> Store:
        return self.app.store

    def out(self, obj: dict) -> dict:
        """Apply ``expand[]`` to a rendered object or list."""
        paths = self.params.get("expand")
        if paths:
            paths = paths if isinstance(paths, list) else [paths]
            expand(obj, paths, self.acct)
        return obj


ApiHandler = Callable[[ApiContext], dict]


class StandinApp:
    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store()
        self.faults = Faults()
        self.webhooks = Webhooks(self)
        self.router = Router()
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(["html"])
        )
        from . import control, hosted_billing, hosted_connect, oauth, pages
        from .api import register_all

        register_all(self)
        oauth.register(self)
        control.register(self)
        pages.register(self)
        hosted_connect.register(self)
        hosted_billing.register(self)

    # -- registration -------------------------------------------------------------
    def api(self, method: str, pattern: str, handler: ApiHandler) -> None:
        async def endpoint(req: Request) -> Response:
            return await self.run_api(req, handler)

        self.router.add(method, pattern, endpoint)

    def route(self, method: str, pattern: str, handler: Callable) -> None:
        self.router.add(method, pattern, handler)

    def render_template(self, name: str, **ctx: Any) -> str:
        return self.templates.get_template(name).render(**ctx)

    # -- events ---------------------------------------------------------------------
    def emit(
        self,
        acct: AccountData,
        etype: str,
        coll: str | None,
        rec: dict | None,
        previous: dict | None = None,
        obj: dict | None = None,
    ) -> dict:
        snapshot = obj if obj is not None else render.render_any(acct, coll, rec)
        return self.store.emit(acct, etype, snapshot, previous, deliver=self.webhooks.enqueue)

    # -- ASGI -----------------------------------------------------------------------
    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    self.webhooks.start()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await self.webhooks.stop()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        req = await read_request(scope, receive)
        started = time.monotonic()
        handler, path_params, exists = self.router.match(req.method, req.path)
        if handler is None:
            if req.path.startswith("/v1/"):
                resp = error_response(
                    StripeError(
                        404,
                        f"Unrecognized request URL ({req.method}: {req.path}). "
                        "Please see https://stripe.com/docs or we can help at "
                        "https://support.stripe.com/.",
                    )
                )
            else:
                resp = Response.json({"error": "not found"}, 405 if exists else 404)
        else:
            req.path_params = path_params
            resp = await handler(req)
        if not req.path.startswith("/_standin"):
            self.log(req, resp, started)
        await send_response(send, resp)

    def log(self, req: Request, resp: Response, started: float) -> None:
        self.store.request_log.append(
            {
                "method": req.method,
                "path": req.path,
                "query": req.query_string,
                "account": req.header("stripe-account"),
                "status": resp.status,
                "idempotency_key": req.header("idempotency-key"),
                "time": time.time(),
                "duration_ms": round((time.monotonic() - started) * 1000, 2),
            }
        )

    # -- /v1 pipeline -------------------------------------------------------------------
    async def run_api(self, req: Request, handler: ApiHandler) -> Response:
        try:
            if self.faults.latency:
                await asyncio.sleep(self.faults.latency)
            acct, platform = self.authenticate(req)
            self.faults.check_rate_limit(acct.account["id"], req.method, req.path)
            self.faults.check_failure(req.path)
            raw = (req.query_string,) if req.method in ("GET", "DELETE") else (req.query_string, req.body)
            params = parse_params(*raw)
            if req.method == "POST" and req.header("idempotency-key"):
                return self.idempotent(req, acct, params, handler, platform)
            ctx = ApiContext(self, req, acct, params, req.path_params, platform)
            return Response.json(handler(ctx), headers=self.headers())
        except StripeError as err:
            return error_response(err)
        except Exception:  # noqa: BLE001 - a bug in the stand-in: answer like Stripe's 500, and say why on stderr
            traceback.print_exc()
            return error_response(StripeError(500, "An unknown error occurred in the stand-in.", type="api_error"))

    def headers(self) -> dict:
        return {"Request-Id": "req_" + secrets.token_hex(7), "Stripe-Version": render.API_VERSION}

    def authenticate(self, req: Request) -> tuple[AccountData, bool]:
        key = api_key(req)
        if not key:
            raise StripeError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            )
        store = self.store
        token_account = store.access_tokens.get(key)
        if key != store.secret_key and token_account is None:
            masked = key[:8] + "*" * max(0, len(key) - 12) + key[-4:]
            raise StripeError(
                401,
                f"Invalid API Key provided: {masked}",
                code="api_key_expired" if key.startswith("sk_live") else None,
            )
        requested = req.header("stripe-account")
        if token_account is not None:
            if requested and requested != token_account:
                raise account_denied(key, requested)
            requested = token_account
        if not requested:
            return store.accounts[PLATFORM_ACCOUNT_ID], True
        acct = store.account(requested)
        if acct is None or requested not in store.linked:
            raise account_denied(key, requested)
        return acct, False

    def idempotent(
        self, req: Request, acct: AccountData, params: dict, handler: ApiHandler, platform: bool
    ) -> Response:
        key = (acct.account["id"], req.header("idempotency-key"))
        fingerprint = hashlib.sha256(json.dumps([req.method, req.path, params], sort_keys=True).encode()).hexdigest()
        seen = self.store.idempotency.get(key)
        if seen is not None:
            if seen["fingerprint"] != fingerprint:
                raise StripeError(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters "
                    "they were first used with. Try using a key other than "
                    f"'{key[1]}' if you meant to execute a different request.",
                    type="idempotency_error",
                )
            return Response(
                seen["status"],
                seen["body"],
                "application/json",
                {**self.headers(), "Idempotency-Key": key[1], "Idempotent-Replayed": "true"},
            )
        ctx = ApiContext(self, req, acct, params, req.path_params, platform)
        try:
            resp = Response.json(handler(ctx), headers=self.headers())
        except StripeError as err:
            resp = error_response(err)
        if resp.status < 500:
            self.store.idempotency[key] = {"fingerprint": fingerprint, "status": resp.status, "body": resp.body}
        resp.headers["Idempotency-Key"] = key[1]
        return resp


def api_key(req: Request) -> str:
    """The secret key from ``Authorization: Bearer sk_...`` (or Basic auth with the key as user name)."""
    auth = req.header("authorization") or ""
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value.strip()).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            return ""
    return ""


def account_denied(key: str, account: str) -> StripeError:
    masked = key[:8] + "*" * 4 + key[-4:]
    return StripeError(
        403,
        f"The provided key '{masked}' does not have access to account '{account}' (or that "
        "account does not exist). Application access may have been revoked.",
        code="account_invalid",
    )


def error_response(err: StripeError | OAuthError) -> Response:
    headers = dict(getattr(err, "headers", {}) or {})
    headers.setdefault("Request-Id", "req_" + secrets.token_hex(7))
    if isinstance(err, StripeError) and err.status < 500 and err.status != 429:
        headers.setdefault("Stripe-Should-Retry", "false")
    return Response.json(err.body(), err.status, headers)


def create_app(store: Store | None = None) -> StandinApp:
    return StandinApp(store)
