"""The hosted Checkout page in payment mode, branded as the account the session belongs to, and its 3D Secure step."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from . import checkout, checkout_payment, payments, setups
from .hosted_connect import message_page, see_other
from .http import Request, Response
from .store import AccountData
from .wire import parse_params

if TYPE_CHECKING:
    from .server import StandinApp


def money(amount: int, currency: str) -> str:
    symbol = {"usd": "$", "eur": "€", "gbp": "£"}.get(currency, "")
    return f"{symbol}{amount / 100:,.2f}" + ("" if symbol else f" {currency.upper()}")


def merchant(acct: AccountData) -> str:
    """The business the customer pays: the session's own account (a connected account's, never the platform's)."""
    return acct.account.get("name") or acct.account.get("email") or acct.account["id"]


def page(app: StandinApp, acct: AccountData, sess: dict, form: dict, error: str | None, status: int = 200) -> Response:
    items = [
        {
            **it,
            "each": money(it["unit_amount"], it["currency"]),
            "line": money(it["unit_amount"] * it["quantity"], it["currency"]),
        }
        for it in sess["line_items"]
    ]
    cust = acct.customers.get(sess.get("customer") or "") or {}
    html = app.render_template(
        "checkout_payment.html",
        session=sess,
        merchant=sess["branding"]["display_name"],
        brand=sess["branding"],
        items=items,
        total=money(sess["amount_total"], sess["currency"]) if sess["amount_total"] is not None else None,
        email=sess.get("customer_email") or cust.get("email"),
        saves_card=sess["mode"] == "setup" or bool(sess["pi_data"]["setup_future_usage"]),
        form=form,
        error=error,
    )
    return Response.html(html, status)


def _done(sess: dict) -> Response:
    return see_other(sess["success_url"].replace("{CHECKOUT_SESSION_ID}", sess["id"]))


def pay(app: StandinApp, acct: AccountData, sess: dict, form: dict) -> Response:
    cust = acct.customers.get(sess.get("customer") or "") or {}
    email = (sess.get("customer_email") or cust.get("email") or form.get("email") or "").strip()
    if "@" not in email:
        return page(app, acct, sess, form, "Your email address is incomplete.", 400)
    number = form.get("card_number") or ""
    try:
        payments.check_new_card(number)
    except checkout.CardDeclined as declined:
        return page(app, acct, sess, form, declined.message, 402)
    flow = setups if sess["mode"] == "setup" else checkout_payment
    try:
        intent = flow.attempt(app, acct, sess, email, (form.get("name") or "").strip(), number)
    except payments.PaymentFailed as failed:
        return page(app, acct, sess, form, failed.error["message"], 402)
    if intent["status"] == "requires_action":
        html = app.render_template(
            "checkout_3ds.html",
            action=f"{sess['url']}/authenticate",
            merchant=sess["branding"]["display_name"],
            total=money(intent["amount"], intent["currency"]) if "amount" in intent else None,
        )
        return Response.html(html)
    return _done(sess)


def register(app: StandinApp, open_session: Callable) -> None:
    async def authenticate(req: Request) -> Response:
        acct, sess, refusal = open_session(req)
        if refusal is not None:
            return refusal
        setup = sess["mode"] == "setup"
        intents = acct.setup_intents if setup else acct.payment_intents
        intent = intents.get(sess.get("setup_intent" if setup else "payment_intent") or "")
        if intent is None or intent["status"] != "requires_action":
            return see_other(sess["url"])
        form = parse_params(req.body)
        try:
            (setups if setup else checkout_payment).authenticate(
                app, acct, sess, passed=form.get("outcome") == "complete"
            )
        except payments.PaymentFailed as failed:
            return page(app, acct, sess, {}, failed.error["message"], 402)
        return _done(sess)

    def redirected(req: Request) -> tuple[AccountData, dict] | tuple[None, None]:
        """The PaymentIntent a ``redirect_to_url`` next action sent the customer to authenticate, while it waits."""
        acct = app.store.account(req.path_params["acct"])
        pi = acct.payment_intents.get(req.path_params["pi"]) if acct else None
        action = (pi or {}).get("next_action") or {}
        if action.get("type") != "redirect_to_url" or not action["redirect_to_url"]["url"].endswith(req.path):
            return None, None
        return acct, pi

    async def challenge_page(req: Request) -> Response:
        acct, pi = redirected(req)
        if pi is None:
            return message_page(app, "Nothing to authenticate", "This payment needs no authentication now.", 404)
        html = app.render_template(
            "checkout_3ds.html", action=req.path, merchant=merchant(acct), total=money(pi["amount"], pi["currency"])
        )
        return Response.html(html)

    async def challenge(req: Request) -> Response:
        acct, pi = redirected(req)
        if pi is None:
            return message_page(app, "Nothing to authenticate", "This payment needs no authentication now.", 404)
        back = pi["next_action"]["redirect_to_url"]["return_url"]
        # Stripe returns the customer either way; the PaymentIntent (and redirect_status) says how it went.
        with contextlib.suppress(payments.PaymentFailed):
            payments.authenticate(app, acct, pi, passed=parse_params(req.body).get("outcome") == "complete")
        query = urlencode(
            {
                "payment_intent": pi["id"],
                "payment_intent_client_secret": pi["client_secret"],
                "redirect_status": "succeeded" if pi["status"] == "succeeded" else "failed",
            }
        )
        return see_other(f"{back}{'&' if '?' in back else '?'}{query}")

    app.route("POST", "/c/pay/{id}/authenticate", authenticate)
    app.route("GET", "/3ds/{acct}/{pi}/{token}", challenge_page)
    app.route("POST", "/3ds/{acct}/{pi}/{token}", challenge)
