"""The control surface under /_standin/ (JSON, no auth, loopback only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import connect, connect_actions, render
from .actions import ACTIONS as BASE_ACTIONS
from .actions import ActionError
from .generator import seed_store
from .http import Request, Response

if TYPE_CHECKING:
    from .server import StandinApp

LOOPBACK = {"127.0.0.1", "::1", "localhost", None}
ACTIONS = {**BASE_ACTIONS, **connect_actions.ACTIONS}


def _body(req: Request) -> dict:
    try:
        return req.json_or_form()
    except ValueError:
        return {}


def register(app: StandinApp) -> None:
    store = app.store

    def guarded(fn):
        async def handler(req: Request) -> Response:
            if req.client not in LOOPBACK and not (req.client or "").startswith("127."):
                return Response.json({"error": "the control API is only available on loopback"}, 403)
            try:
                result = fn(req, _body(req) if req.method in ("POST", "PUT") else {})
            except (ActionError, ValueError, KeyError, TypeError) as exc:
                return Response.json({"error": str(exc)}, 400)
            return result if isinstance(result, Response) else Response.json(result)

        return handler

    def health(req, body):
        return {"ok": True, "seed": store.seed_info, "now": store.now()}

    def reset(req, body):
        seed = int(body.get("seed", store.seed_info.get("seed", 42) if store.seed_info else 42))
        if body.get("empty"):
            store.reset(seed)
            store.seed_info = {"seed": seed, "scale": None, "now": store.now(), "accounts": {}}
        else:
            scale = body.get("scale") or (store.seed_info or {}).get("scale") or "demo"
            seed_store(store, seed, int(scale) if str(scale).isdigit() else scale)
        store.request_log.clear()
        app.faults.clear()
        for acct_id in body.get("link") or []:
            ACTIONS["link_account"](app, {"account": acct_id})
        return {"ok": True, **store.seed_info, "linked": sorted(store.linked)}

    def reset_everything(req, body):
        for ep_id in [k for k, ep in store.webhook_endpoints.items() if not ep.get("preregistered")]:
            del store.webhook_endpoints[ep_id]
        store.deliveries.clear()
        app.webhooks.restore_defaults()
        return reset(req, body)

    def get_faults(req, body):
        return app.faults.snapshot()

    def set_faults(req, body):
        return app.faults.update(**body)

    def clear_faults(req, body):
        app.faults.clear()
        return app.faults.snapshot()

    def requests(req, body):
        from .wire import parse_params

        q = parse_params(req.query_string)
        rows = list(store.request_log)
        if q.get("account"):
            rows = [r for r in rows if r["account"] == q["account"]]
        if q.get("method"):
            rows = [r for r in rows if r["method"] == q["method"].upper()]
        if q.get("since"):
            rows = [r for r in rows if r["time"] >= float(q["since"])]
        return {"data": rows, "count": len(rows)}

    def clear_requests(req, body):
        store.request_log.clear()
        return {"ok": True}

    def accounts(req, body):
        return {
            "data": [
                {
                    "id": a.account["id"],
                    "name": a.account["name"],
                    "owner": a.account.get("owner"),
                    "country": a.account["country"],
                    "default_currency": a.account["currency"],
                    "linked": a.account["id"] in store.linked,
                    "counts": store.counts(a),
                }
                for a in store.accounts.values()
            ],
            "users": list(store.users.values()),
        }

    def objects(req, body):
        """Rendered objects of one account, newest first, without OAuth (for tests and people)."""
        from .wire import parse_params

        acct = store.account(req.path_params["id"])
        coll = req.path_params["collection"]
        if acct is None or coll not in (
            "customers",
            "subscriptions",
            "invoices",
            "charges",
            "refunds",
            "prices",
            "products",
            "events",
            "payouts",
        ):
            raise KeyError(f"unknown account or collection: {req.path_params}")
        q = parse_params(req.query_string)
        limit = int(q.get("limit", 100))
        index = acct.collection(coll).all
        index.ensure()
        return {"data": [render.render_any(acct, coll, r) for r in index.recs[:limit]], "count": len(index)}

    def action(req, body):
        name = req.path_params["name"]
        if name not in ACTIONS:
            raise ActionError(f"unknown action {name!r}; known: {sorted(ACTIONS)}")
        result = ACTIONS[name](app, body)
        if isinstance(result, dict) and str(result.get("id", "")).startswith("evt_"):
            acct = store.account(result["account"])
            return {"ok": True, "event": render.event(acct, result, acct.account["id"])}
        return {"ok": True, **result}

    def register_webhook(req, body):
        events = body.get("enabled_events") or ["*"]
        rec = app.webhooks.register(
            body["url"],
            events if isinstance(events, list) else [events],
            bool(body.get("connect", True)),
            secret=body.get("secret"),
        )
        return render.webhook_endpoint(rec, with_secret=True)

    def deliveries(req, body):
        return {
            "data": list(store.deliveries),
            "endpoints": [render.webhook_endpoint(e) for e in store.webhook_endpoints.values()],
        }

    def webhook_config(req, body):
        return app.webhooks.configure(**body)

    def clock(req, body):
        if req.method == "POST":
            now: Any = body.get("now")
            store.fixed_now = int(now) if now not in (None, "", "null") else None
            connect.pass_deadlines(app)  # a deadline the clock has passed takes effect, with its event
        return {"now": store.now(), "fixed": store.fixed_now is not None}

    routes = [
        ("GET", "/_standin/health", health),
        ("POST", "/_standin/reset", reset),
        ("POST", "/_standin/seed", reset),
        ("POST", "/_standin/reset_all", reset_everything),
        ("GET", "/_standin/faults", get_faults),
        ("POST", "/_standin/faults", set_faults),
        ("DELETE", "/_standin/faults", clear_faults),
        ("GET", "/_standin/requests", requests),
        ("DELETE", "/_standin/requests", clear_requests),
        ("GET", "/_standin/accounts", accounts),
        ("GET", "/_standin/accounts/{id}/{collection}", objects),
        ("POST", "/_standin/actions/{name}", action),
        ("POST", "/_standin/webhooks", register_webhook),
        ("GET", "/_standin/webhooks/deliveries", deliveries),
        ("POST", "/_standin/webhooks/config", webhook_config),
        ("GET", "/_standin/clock", clock),
        ("POST", "/_standin/clock", clock),
    ]
    for method, path, fn in routes:
        app.route(method, path, guarded(fn))
