"""Events (kept 30 days, like Stripe) and webhook endpoints."""

from __future__ import annotations

from .. import render
from ..wire import LIST_PARAMS, StripeError, as_list, check_params, list_collection, not_found, parse_bool, range_filter

RETENTION = 30 * 86400


def list_events(ctx) -> dict:
    check_params(ctx.params, LIST_PARAMS + ("type", "types", "delivery_success"))
    cutoff = ctx.store.now() - RETENTION
    etype, types = ctx.params.get("type"), set(as_list(ctx.params.get("types")))

    def pred(r: dict) -> bool:
        if r["created"] < cutoff:
            return False
        if etype:
            if etype.endswith("*"):
                if not r["type"].startswith(etype[:-1]):
                    return False
            elif r["type"] != etype:
                return False
        return not types or r["type"] in types

    # never look past the retention window
    low, high = range_filter(ctx.params, "created") or (None, None)
    params = {k: v for k, v in ctx.params.items() if k != "created"}
    params["created"] = {
        "gte": cutoff if low is None else max(low, cutoff),
        **({"lte": high} if high is not None else {}),
    }
    acct = ctx.acct
    return ctx.out(
        list_collection(acct.events, params, "/v1/events", lambda r: render.event(acct, r), pred, kind="event")
    )


def get_event(ctx) -> dict:
    rec = ctx.acct.events.get(ctx.path_params["id"])
    if rec is None or rec["created"] < ctx.store.now() - RETENTION:
        raise not_found("event", ctx.path_params["id"])
    return ctx.out(render.event(ctx.acct, rec))


def create_webhook_endpoint(ctx) -> dict:
    check_params(ctx.params, ("url", "enabled_events", "connect", "description", "api_version", "metadata"))
    if not ctx.platform:
        raise StripeError(400, "Webhook endpoints can only be created by the platform in this stand-in.")
    url = ctx.params.get("url")
    if not url:
        raise StripeError(400, "Missing required param: url.", code="parameter_missing", param="url")
    events = as_list(ctx.params.get("enabled_events"))
    if not events:
        raise StripeError(
            400, "Missing required param: enabled_events.", code="parameter_missing", param="enabled_events"
        )
    connect = parse_bool(ctx.params["connect"], "connect") if "connect" in ctx.params else False
    rec = ctx.app.webhooks.register(url, events, connect, description=ctx.params.get("description"))
    return render.webhook_endpoint(rec, with_secret=True)


def list_webhook_endpoints(ctx) -> dict:
    check_params(ctx.params, ("limit", "starting_after", "ending_before"))
    eps = sorted(ctx.store.webhook_endpoints.values(), key=lambda r: -r["created"])
    from ..wire import list_plain

    return list_plain([render.webhook_endpoint(r) for r in eps], ctx.params, "/v1/webhook_endpoints")


def get_webhook_endpoint(ctx) -> dict:
    rec = ctx.store.webhook_endpoints.get(ctx.path_params["id"])
    if rec is None:
        raise not_found("webhook endpoint", ctx.path_params["id"])
    return render.webhook_endpoint(rec)


def delete_webhook_endpoint(ctx) -> dict:
    rec = ctx.store.webhook_endpoints.pop(ctx.path_params["id"], None)
    if rec is None:
        raise not_found("webhook endpoint", ctx.path_params["id"])
    return {"id": rec["id"], "object": "webhook_endpoint", "deleted": True}


def register(app) -> None:
    app.api("GET", "/v1/events", list_events)
    app.api("GET", "/v1/events/{id}", get_event)
    app.api("POST", "/v1/webhook_endpoints", create_webhook_endpoint)
    app.api("GET", "/v1/webhook_endpoints", list_webhook_endpoints)
    app.api("GET", "/v1/webhook_endpoints/{id}", get_webhook_endpoint)
    app.api("DELETE", "/v1/webhook_endpoints/{id}", delete_webhook_endpoint)
