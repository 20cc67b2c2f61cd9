"""Human pages: an index of accounts and what a sync should find in each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .http import Request, Response

if TYPE_CHECKING:
    from .server import StandinApp

MAX_ROWS = 500


def _iso(ts: int | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d") if ts else None


def register(app: StandinApp) -> None:
    async def index(req: Request) -> Response:
        store = app.store
        rows = [
            {
                "id": a.account["id"],
                "name": a.account["name"] or a.account.get("email") or a.account["id"],  # Express: no name yet
                "owner": a.account.get("owner"),
                "linked": a.account["id"] in store.linked,
                "counts": store.counts(a),
            }
            for a in store.accounts.values()
        ]
        return Response.html(
            app.render_template(
                "index.html",
                rows=rows,
                seed_info=store.seed_info,
                now=_iso(store.now()),
                secret_key=store.secret_key,
                client_id=store.client_id,
            )
        )

    async def account_page(req: Request) -> Response:
        store = app.store
        acct = store.account(req.path_params["id"])
        if acct is None:
            return Response.html("<h1>No such account</h1>", 404)
        now = store.now()
        acct.customers.all.ensure()
        acct.invoices.all.ensure()
        customers = []
        for c in acct.customers.all.recs[:MAX_ROWS]:
            invs = acct.invoices.by_customer.get(c["id"])
            recs = invs.recs if invs else []
            paid = sum(i["amount_paid"] for i in recs)
            customers.append(
                {
                    **c,
                    "created_iso": _iso(c["created"]),
                    "invoice_count": len(recs),
                    "paid": f"{paid / 100:,.2f} {c.get('currency') or ''}",
                }
            )
        invoices = [
            {
                **i,
                "created_iso": _iso(i["created"]),
                "due_iso": _iso(i.get("due_date")),
                "overdue": i["status"] == "open" and (i.get("due_date") or now) < now,
                "total_fmt": f"{i['total'] / 100:,.2f} {i['currency']}",
            }
            for i in acct.invoices.all.recs[:MAX_ROWS]
        ]
        counts = store.counts(acct)
        return Response.html(
            app.render_template(
                "account.html",
                account=acct.account,
                counts=counts,
                customers=customers,
                invoices=invoices,
                truncated=counts["invoices"] > MAX_ROWS or counts["customers"] > MAX_ROWS,
                shown=MAX_ROWS,
            )
        )

    app.route("GET", "/", index)
    app.route("GET", "/accounts/{id}", account_page)
