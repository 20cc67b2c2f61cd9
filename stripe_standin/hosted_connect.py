"""The pages a person sees at Stripe for Connect Express: onboarding (through an account link) and the Express
dashboard (through a login link)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from . import connect, render, render_connect
from .http import Request, Response
from .wire import parse_params

if TYPE_CHECKING:
    from .server import StandinApp

OUTCOMES = {"finish": connect.finish, "later": connect.leave_half_done, "review": connect.submit_for_review}


def see_other(url: str) -> Response:
    return Response(303, b"", "text/plain", {"location": url})


def message_page(app: StandinApp, title: str, message: str, status: int = 400, link: str | None = None) -> Response:
    return Response.html(app.render_template("hosted_message.html", title=title, message=message, link=link), status)


def _date(ts: int | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).strftime("%b %d, %Y") if ts else None


def register(app: StandinApp) -> None:
    store = app.store

    async def onboarding_page(req: Request) -> Response:
        link = store.account_links.get(req.path_params["token"])
        if link is None or link["account"] != req.path_params["acct"]:
            return message_page(app, "Link not valid", "This onboarding link is not valid.", 404)
        if link["used"] or link["expires_at"] <= store.now():
            return see_other(link["refresh_url"])  # Stripe sends people to the platform for a fresh link
        link["used"] = True
        session = secrets.token_urlsafe(16)
        store.onboarding_sessions[session] = {"link": link["token"], "done": False}
        acct = store.account(link["account"])
        return Response.html(
            app.render_template(
                "onboarding.html", account=render.account(acct.account), link=link, session=session, error=None
            )
        )

    async def onboarding_submit(req: Request) -> Response:
        form = parse_params(req.body)
        link = store.account_links.get(req.path_params["token"])
        session = store.onboarding_sessions.get(form.get("session") or "")
        if link is None or session is None or session["link"] != link["token"] or session["done"]:
            return message_page(app, "Session ended", "This onboarding session has ended. Start again from the app.")
        outcome = OUTCOMES.get(form.get("outcome") or "")
        if outcome is None:
            return message_page(app, "Choose how to continue", "Submit, submit for review, or save for later.")
        session["done"] = True
        outcome(app, store.account(link["account"]), form)
        return see_other(link["return_url"])

    async def express_dashboard(req: Request) -> Response:
        link = store.login_links.get(req.path_params["token"])
        if link is None or link["account"] != req.path_params["acct"]:
            return message_page(app, "Link not valid", "This login link is not valid.", 404)
        acct = store.account(link["account"])
        acct.payouts.all.ensure()
        payouts = [
            {**render_connect.payout(p), "arrival": _date(p["arrival_date"]), "amount_fmt": f"{p['amount'] / 100:,.2f}"}
            for p in acct.payouts.all.recs[:50]
        ]
        balance = render_connect.balance(acct)
        return Response.html(
            app.render_template(
                "express_dashboard.html",
                account=render.account(acct.account),
                balance=balance,
                payouts=payouts,
                deadline=_date(acct.account.get("requirements", {}).get("current_deadline")),
            )
        )

    app.route("GET", "/setup/s/{acct}/{token}", onboarding_page)
    app.route("POST", "/setup/s/{acct}/{token}", onboarding_submit)
    app.route("GET", "/express/{acct}/{token}", express_dashboard)
