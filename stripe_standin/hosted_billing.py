"""The pages a person sees at Stripe when paying for the platform: hosted Checkout and the Customer Portal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import checkout, hosted_payment
from .hosted_connect import message_page, see_other
from .http import Request, Response
from .store import AccountData
from .wire import parse_params

if TYPE_CHECKING:
    from .server import StandinApp


def _money(amount: int, currency: str) -> str:
    symbol = {"usd": "$", "eur": "€", "gbp": "£"}.get(currency, "")
    return f"{symbol}{amount / 100:,.2f}" + ("" if symbol else f" {currency.upper()}")


def register(app: StandinApp) -> None:
    store = app.store

    def find_session(sess_id: str) -> tuple[AccountData, dict] | tuple[None, None]:
        for acct in store.accounts.values():
            if sess_id in acct.checkout_sessions:
                return acct, acct.checkout_sessions[sess_id]
        return None, None

    def checkout_page(acct: AccountData, sess: dict, form: dict, error: str | None, status: int = 200) -> Response:
        items = []
        for item in sess["line_items"]:
            price = acct.prices.get(item["price"])
            product = acct.products.get(price["product"]) or {"name": price.get("nickname")}
            each = _money(price["unit_amount"], price["currency"])
            items.append({"name": product["name"], "quantity": item["quantity"], "each": each, **price})
        cust = acct.customers.get(sess.get("customer") or "") or {}
        email = sess.get("customer_email") or cust.get("email")
        html = app.render_template(
            "checkout.html",
            session=sess,
            merchant=acct.account["name"],
            items=items,
            total=_money(sess["amount_total"], sess["currency"]),
            email=email,
            form=form,
            error=error,
        )
        return Response.html(html, status)

    def open_session(req: Request) -> tuple[AccountData, dict, None] | tuple[None, None, Response]:
        """The session a hosted page is for, while it can still be paid; otherwise the page that says why not."""
        acct, sess = find_session(req.path_params["id"])
        if sess is None:
            return None, None, message_page(app, "Something went wrong", "This Checkout Session does not exist.", 404)
        checkout.expire_if_due(app, acct, sess)
        if sess["status"] != "open":
            gone = message_page(app, "This Checkout Session is no longer active", "Go back and try again.", 410)
            return None, None, gone
        return acct, sess, None

    async def pay_page(req: Request) -> Response:
        acct, sess, refusal = open_session(req)
        if refusal is not None:
            return refusal
        if sess["mode"] in ("payment", "setup"):
            return hosted_payment.page(app, acct, sess, {}, None)
        return checkout_page(acct, sess, {}, None)

    async def pay(req: Request) -> Response:
        acct, sess, refusal = open_session(req)
        if refusal is not None:
            return refusal
        form = parse_params(req.body)
        if sess["mode"] in ("payment", "setup"):
            return hosted_payment.pay(app, acct, sess, form)
        cust = acct.customers.get(sess.get("customer") or "") or {}
        email = (sess.get("customer_email") or cust.get("email") or form.get("email") or "").strip()
        if "@" not in email:
            return checkout_page(acct, sess, form, "Your email address is incomplete.", 400)
        try:
            checkout.check_card(form.get("card_number") or "")
        except checkout.CardDeclined as declined:
            return checkout_page(acct, sess, form, declined.message, 402)
        digits = "".join(ch for ch in form.get("card_number", "") if ch.isdigit())
        checkout.complete(app, acct, sess, email, (form.get("name") or "").strip(), digits[-4:])
        return see_other(sess["success_url"].replace("{CHECKOUT_SESSION_ID}", sess["id"]))

    def portal_context(token: str) -> tuple[dict, AccountData] | tuple[None, None]:
        portal = store.portal_sessions.get(token)
        if portal is None:
            return None, None
        return portal, store.account(portal["account"])

    async def portal_page(req: Request) -> Response:
        portal, acct = portal_context(req.path_params["token"])
        if portal is None:
            return message_page(app, "Session expired", "This portal session is no longer valid.", 404)
        index = acct.subscriptions.index_for(portal["customer"])
        index.ensure()
        subs = []
        for sub in index.recs:
            if sub["status"] in ("canceled", "incomplete_expired"):
                continue
            price = acct.prices.get(sub["items"][0]["price"])
            product = acct.products.get(price["product"]) or {"name": price.get("nickname")}
            subs.append({**sub, "name": product["name"], "amount": _money(price["unit_amount"], price["currency"])})
        customer = acct.customers.get(portal["customer"])
        html = app.render_template(
            "portal.html", portal=portal, customer=customer, subscriptions=subs, merchant=acct.account["name"]
        )
        return Response.html(html)

    async def portal_cancel(req: Request) -> Response:
        portal, acct = portal_context(req.path_params["token"])
        if portal is None:
            return message_page(app, "Session expired", "This portal session is no longer valid.", 404)
        form = parse_params(req.body)
        sub = acct.subscriptions.get(form.get("subscription") or "")
        if sub is None or sub["customer"] != portal["customer"]:  # only this customer's subscriptions
            return message_page(app, "Not found", "No such subscription.", 404)
        if sub["status"] == "canceled":
            return see_other(portal["return_url"])
        checkout.cancel(app, acct, sub, at_period_end=form.get("when") == "period_end")
        return see_other(portal["return_url"])

    hosted_payment.register(app, open_session)
    app.route("GET", "/c/pay/{id}", pay_page)
    app.route("POST", "/c/pay/{id}", pay)
    app.route("GET", "/p/session/{token}", portal_page)
    app.route("POST", "/p/session/{token}", portal_cancel)
