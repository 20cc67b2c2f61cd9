"""Connect for a platform that creates Express accounts: accounts, account and login links, balance, payouts."""

from __future__ import annotations

import secrets

from .. import connect, render, render_connect
from ..wire import LIST_PARAMS, StripeError, check_params, list_collection, not_found

LINK_TTL = 300  # Stripe's account links expire a few minutes after they are created
LINK_TYPES = ("account_onboarding", "account_update")  # the second is for Custom accounts
PAYOUT_STATUSES = {"pending", "paid", "failed", "canceled", "in_transit"}


def base_url(ctx) -> str:
    """Where the stand-in's hosted pages live: the host the caller reached it on."""
    return f"http://{ctx.request.header('host') or '127.0.0.1'}"


def _required(params: dict, name: str) -> str:
    value = params.get(name)
    if not value:
        raise StripeError(400, f"Missing required param: {name}.", code="parameter_missing", param=name)
    return value


def _express(ctx, acct_id: str, param: str = "account"):
    acct = ctx.store.account(acct_id)
    if not connect.is_express(acct) or acct_id not in ctx.store.linked:
        raise not_found("account", acct_id, param)
    return acct


def _platform_only(ctx) -> None:
    if not ctx.platform:
        raise StripeError(400, "This request must be made with the platform's secret key and no Stripe-Account.")


def create_account(ctx) -> dict:
    check_params(
        ctx.params, ("type", "email", "country", "capabilities", "business_type", "metadata", "controller", "expand")
    )
    _platform_only(ctx)
    dashboard = ((ctx.params.get("controller") or {}).get("stripe_dashboard") or {}).get("type")
    if ctx.params.get("type", "express" if dashboard == "express" else None) != "express":
        raise StripeError(
            400,
            "The stand-in creates Express accounts only: pass type=express.",
            code="parameter_invalid_empty",
            param="type",
        )
    acct = connect.create_express(ctx.app, ctx.params)
    return ctx.out(render.account(acct.account))


def create_account_link(ctx) -> dict:
    check_params(
        ctx.params, ("account", "type", "refresh_url", "return_url", "collect", "collection_options", "expand")
    )
    _platform_only(ctx)
    acct = _express(ctx, _required(ctx.params, "account"))
    link_type = _required(ctx.params, "type")
    if link_type not in LINK_TYPES:
        raise StripeError(400, f"Invalid type: must be one of {', '.join(LINK_TYPES)}", param="type")
    if link_type == "account_update":  # Express accounts have Stripe's dashboard, where people update their details
        raise StripeError(
            400,
            "You can create Account Links of type `account_update` only for connected accounts where your platform "
            "is responsible for collecting requirements. Use `account_onboarding` to collect what Stripe still "
            "needs from an Express account.",
            param="type",
        )
    refresh_url, return_url = _required(ctx.params, "refresh_url"), _required(ctx.params, "return_url")
    now, token = ctx.store.now(), secrets.token_urlsafe(12)
    rec = {
        "token": token,
        "account": acct.account["id"],
        "type": link_type,
        "refresh_url": refresh_url,
        "return_url": return_url,
        "created": now,
        "expires_at": now + LINK_TTL,
        "used": False,
        "url": f"{base_url(ctx)}/setup/s/{acct.account['id']}/{token}",
    }
    ctx.store.account_links[token] = rec
    return render_connect.account_link(rec)


def create_login_link(ctx) -> dict:
    check_params(ctx.params, ("expand",))
    _platform_only(ctx)
    acct = _express(ctx, ctx.path_params["id"], "account")
    if not acct.account.get("details_submitted"):
        raise StripeError(
            400,
            "Cannot create a login link for an account that has not completed onboarding.",
            param="account",
        )
    token = secrets.token_urlsafe(12)
    rec = {"token": token, "account": acct.account["id"], "created": ctx.store.now()}
    rec["url"] = f"{base_url(ctx)}/express/{acct.account['id']}/{token}"
    ctx.store.login_links[token] = rec
    return render_connect.login_link(rec)


def get_balance(ctx) -> dict:
    check_params(ctx.params, ("expand",))
    return render_connect.balance(ctx.acct)


def list_payouts(ctx) -> dict:
    check_params(ctx.params, LIST_PARAMS + ("status", "arrival_date", "destination"))
    status = ctx.params.get("status")
    if status is not None and status not in PAYOUT_STATUSES:
        raise StripeError(400, f"Invalid status: must be one of {', '.join(sorted(PAYOUT_STATUSES))}", param="status")
    pred = (lambda r: r["status"] == status) if status else None
    return ctx.out(
        list_collection(ctx.acct.payouts, ctx.params, "/v1/payouts", render_connect.payout, pred, kind="payout")
    )


def get_payout(ctx) -> dict:
    rec = ctx.acct.payouts.get(ctx.path_params["id"])
    if rec is None:
        raise not_found("payout", ctx.path_params["id"])
    return ctx.out(render_connect.payout(rec))


def register(app) -> None:
    app.api("POST", "/v1/accounts", create_account)
    app.api("POST", "/v1/account_links", create_account_link)
    app.api("POST", "/v1/accounts/{id}/login_links", create_login_link)
    app.api("GET", "/v1/balance", get_balance)
    app.api("GET", "/v1/payouts", list_payouts)
    app.api("GET", "/v1/payouts/{id}", get_payout)
