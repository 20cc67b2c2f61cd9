"""Stripe Connect OAuth: consent page with account switcher, code exchange, deauthorization."""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from .http import Request, Response
from .store import AccountData
from .wire import OAuthError, parse_params

if TYPE_CHECKING:
    from .server import StandinApp

DEFAULT_USER = "owner@demo.test"
CODE_TTL = 300
PERMISSIONS = {
    "read_write": [
        "Read invoices, payments, customers, subscriptions",
        "Read your account details and business profile",
        "Create and manage charges, customers and subscriptions on your behalf",
    ],
    "read_only": [
        "Read invoices, payments, customers, subscriptions",
        "Read your account details and business profile",
    ],
}


def register(app: StandinApp) -> None:
    async def authorize_page(req: Request) -> Response:
        return consent_page(app, parse_params(req.query_string))

    async def authorize_decision(req: Request) -> Response:
        return decide(app, parse_params(req.body))

    async def token(req: Request) -> Response:
        return await _oauth_call(app, req, exchange)

    async def deauthorize(req: Request) -> Response:
        return await _oauth_call(app, req, unlink)

    app.route("GET", "/oauth/authorize", authorize_page)
    app.route("POST", "/oauth/authorize", authorize_decision)
    app.route("POST", "/oauth/token", token)
    app.route("POST", "/oauth/deauthorize", deauthorize)


async def _oauth_call(app: StandinApp, req: Request, fn) -> Response:
    import asyncio

    from .server import api_key, error_response
    from .wire import StripeError

    try:
        if app.faults.latency:
            await asyncio.sleep(app.faults.latency)
        app.faults.check_failure(req.path)
        params = parse_params(req.query_string, req.body)
        key = api_key(req) or params.get("client_secret", "")
        if key != app.store.secret_key:
            raise OAuthError(
                401,
                "invalid_client",
                "No authentication was provided. Send your secret API key "
                "using the Authorization header, or as a client_secret POST parameter.",
            )
        return Response.json(fn(app, params))
    except (OAuthError, StripeError) as err:
        return error_response(err)


# -- consent page ---------------------------------------------------------------------------
def _page_error(app: StandinApp, title: str, message: str, status: int = 400) -> Response:
    return Response.html(app.render_template("oauth_error.html", title=title, message=message), status)


def consent_page(app: StandinApp, params: dict) -> Response:
    store = app.store
    if params.get("client_id") != store.client_id:
        return _page_error(
            app,
            "Invalid client_id",
            f"No application matches the supplied client identifier ({params.get('client_id') or 'none'}).",
        )
    if params.get("response_type", "code") != "code":
        return _page_error(app, "Unsupported response_type", "Only response_type=code is supported.")
    scope = params.get("scope") or "read_only"
    if scope not in PERMISSIONS:
        return _page_error(app, "Invalid scope", f"Invalid scope: {scope}. Use read_only or read_write.")
    redirect_uri = params.get("redirect_uri") or ""
    if urlparse(redirect_uri).scheme not in ("http", "https"):
        return _page_error(app, "Invalid redirect URI", "A redirect_uri with an http(s) URL is required.")
    stripe_user = params.get("stripe_user") if isinstance(params.get("stripe_user"), dict) else {}
    email = params.get("stripe_user_email") or stripe_user.get("email") or DEFAULT_USER
    user = store.users.get(email)
    accounts: list[AccountData] = [store.accounts[a] for a in (user or {}).get("accounts", []) if a in store.accounts]
    html = app.render_template(
        "consent.html",
        user=user,
        email=email,
        accounts=accounts,
        scope=scope,
        permissions=PERMISSIONS[scope],
        client_id=params["client_id"],
        redirect_uri=redirect_uri,
        state=params.get("state") or "",
        users=sorted(store.users),
        app_name="ClientPulse",
    )
    return Response.html(html)


def decide(app: StandinApp, form: dict) -> Response:
    store = app.store
    if form.get("client_id") != store.client_id:
        return _page_error(app, "Invalid client_id", "No application matches the supplied client identifier.")
    redirect_uri, state = form.get("redirect_uri") or "", form.get("state") or None
    if urlparse(redirect_uri).scheme not in ("http", "https"):
        return _page_error(app, "Invalid redirect URI", "A redirect_uri with an http(s) URL is required.")
    if form.get("action") != "connect":
        return Response.redirect(
            redirect_uri,
            {"error": "access_denied", "error_description": "The user denied your request", "state": state},
        )
    user = store.users.get(form.get("stripe_user_email") or DEFAULT_USER)
    account = form.get("account")
    if not user or account not in user["accounts"]:
        return _page_error(app, "Choose an account", "Pick one of your Stripe accounts to connect.")
    code = issue_code(app, account, form.get("scope") or "read_only")
    return Response.redirect(redirect_uri, {"code": code, "scope": form.get("scope") or "read_only", "state": state})


def issue_code(app: StandinApp, account: str, scope: str) -> str:
    code = "ac_" + secrets.token_urlsafe(24).replace("-", "a").replace("_", "b")
    app.store.codes[code] = {"account": account, "scope": scope, "used": False, "expires": time.monotonic() + CODE_TTL}
    return code


# -- token exchange and deauthorization ------------------------------------------------------
def exchange(app: StandinApp, params: dict) -> dict:
    store = app.store
    grant = params.get("grant_type")
    if grant == "refresh_token":
        account = store.refresh_tokens.get(params.get("refresh_token") or "")
        if account is None or account not in store.linked:
            raise OAuthError(400, "invalid_grant", f"Invalid refresh token: {params.get('refresh_token')}")
        return link(app, account, store.linked[account]["scope"], refresh=params["refresh_token"])
    if grant != "authorization_code":
        raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant type: {grant}")
    code = params.get("code") or ""
    info = store.codes.get(code)
    if info is None or info["used"] or info["expires"] < time.monotonic():
        raise OAuthError(
            400,
            "invalid_grant",
            f"Authorization code does not exist: {code}"
            if info is None
            else f"Authorization code expired or already used: {code}",
        )
    info["used"] = True
    return link(app, info["account"], info["scope"])


def link(app: StandinApp, account: str, scope: str, refresh: str | None = None) -> dict:
    """Connect ``account`` to the platform and issue tokens (what a successful token exchange does)."""
    store = app.store
    access = "sk_test_" + secrets.token_hex(16)
    refresh = refresh or "rt_" + secrets.token_hex(16)
    was_linked = account in store.linked
    store.linked[account] = {"scope": scope, "access_token": access, "refresh_token": refresh, "linked_at": store.now()}
    store.access_tokens[access] = account
    store.refresh_tokens[refresh] = account
    acct = store.accounts[account]
    if not was_linked:
        app.emit(
            acct,
            "account.application.authorized",
            None,
            None,
            obj={"id": "ca_" + store.client_id[3:], "object": "application", "name": "ClientPulse"},
        )
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "stripe_publishable_key": "pk_test_" + secrets.token_hex(12),
        "stripe_user_id": account,
        "scope": scope,
        "livemode": False,
    }


def unlink(app: StandinApp, params: dict) -> dict:
    store = app.store
    if params.get("client_id") != store.client_id:
        raise OAuthError(401, "invalid_client", f"No such application: '{params.get('client_id')}'")
    account = params.get("stripe_user_id") or ""
    if account not in store.linked:
        raise OAuthError(
            400,
            "invalid_client",
            f"This application is not connected to stripe account {account}, or that account does not exist.",
        )
    deauthorize(app, account)
    return {"stripe_user_id": account}


def deauthorize(app: StandinApp, account: str) -> dict:
    store = app.store
    info = store.linked.pop(account)
    store.access_tokens.pop(info["access_token"], None)
    store.access_tokens = {k: v for k, v in store.access_tokens.items() if v != account}
    store.refresh_tokens = {k: v for k, v in store.refresh_tokens.items() if v != account}
    return app.emit(
        store.accounts[account],
        "account.application.deauthorized",
        None,
        None,
        obj={"id": "ca_" + store.client_id[3:], "object": "application", "name": "ClientPulse"},
    )
