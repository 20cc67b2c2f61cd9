"""The client's billing page, opened by its private link without a log-in, under the agency's brand only.

Every route starts from the link's token (a revoked or unknown one is a neutral 404); the workspace and the client
come from the link, never from the request. Errors here render the client-facing templates, so no page a client
can reach names the platform. POSTs still need the CSRF token (the page's forms and htmx carry it).
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.client_billing import links, page, purchase
from app.client_billing.branding import brand_of
from app.client_billing.forms import AutoRechargeForm, BuyForm
from app.core.errors import DomainError, NotFound, ValidationFailed
from app.credits import settings as credit_settings
from app.web.forms import Form
from app.web.htmx import VARY, is_partial
from app.web.urls import absolute_url

PAGE, ERROR = "client_billing/page.html", "client_billing/error.html"
BALANCE, HISTORY, RECHARGE = (
    "client_billing/_balance.html",
    "client_billing/_history.html",
    "client_billing/_auto_recharge.html",
)
# Stripe puts the session's id where the placeholder stands when it sends the client back.
PAID_RETURN = "?checkout=paid&session={CHECKOUT_SESSION_ID}"
NOT_FOUND = "This billing page doesn't exist, or its link was replaced. Ask whoever sent it to you for a new link."


def _neutral_error(request: Request, exc: Exception) -> Response:
    """Any refusal on these routes, on a page with no one's brand: the token may be unknown, so no brand is known."""
    if isinstance(exc, NotFound | NotFoundException):
        status, message = 404, NOT_FOUND
    elif isinstance(exc, HTTPException) and exc.status_code == 403 and "CSRF" in str(exc.detail):
        status, message = 403, "This form expired. Reload the page and try again."
    elif isinstance(exc, DomainError):
        status, message = 400, exc.message
    else:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        message = "That request couldn't be handled. Reload the page and try again."
    headers = {"HX-Reswap": "none"} if request.headers.get("hx-request") == "true" else {}
    return Template(ERROR, context={"status_code": status, "message": message}, status_code=status, headers=headers)


async def _page(token: str, opened: links.Opened, status_code: int = 200, **extra) -> Template:
    """The whole billing page, with a fresh purchase attempt for its Buy forms (see purchase.start_checkout)."""
    context = await page.page_context(opened, **extra)
    return Template(
        PAGE, context={**context, **_urls(token), "attempt": secrets.token_hex(16)}, status_code=status_code
    )


def _urls(token: str) -> dict[str, str]:
    return {"token": token}


class ClientBillingPageController(Controller):
    path = "/b"
    include_in_schema = False
    # The app's handlers render pages in the product's own layout; these never do, a 500 included.
    exception_handlers: ClassVar = {DomainError: _neutral_error, HTTPException: _neutral_error, 500: _neutral_error}

    @get("/{token:str}", name="client_billing:page")
    async def show(
        self,
        request: Request,
        token: FromPath[str],
        before: FromQuery[int] = 0,
        checkout: FromQuery[str] = "",
        session: FromQuery[str] = "",
    ) -> Template:
        """The billing page; `?checkout=paid` is Stripe's return, which only says so and waits (never credits)."""
        opened = await links.open_link(token)
        payment_intent = ""
        if checkout == "paid":
            payment_intent = await purchase.paid_session(opened.workspace, opened.client["id"], session) or ""
        returned = "paid" if payment_intent else ("cancelled" if checkout == "cancelled" else "")
        return await _page(token, opened, before=before, payment_intent=payment_intent, returned=returned)

    @get("/{token:str}/brand.css", name="client_billing:brand_css")
    async def brand_css(self, token: FromPath[str]) -> Template:
        """The agency's colours as CSS variables (the Content-Security-Policy allows no inline style)."""
        opened = await links.open_link(token)
        brand = await brand_of(opened.workspace["id"])
        return Template(
            "client_billing/brand.css",
            context={"brand": brand},
            media_type="text/css",
            headers={"Cache-Control": "no-cache"},
        )

    @get("/{token:str}/balance", name="client_billing:balance")
    async def balance(self, request: Request, token: FromPath[str], pi: FromQuery[str] = "") -> Template:
        """The balance panel; after Checkout it polls here until the purchase's credits are in the ledger."""
        opened = await links.open_link(token)
        if not is_partial(request):
            # Without htmx, the page waits for the same purchase, but only the verified return says it was paid.
            return await _page(token, opened, payment_intent=pi)
        context = {**await page.balance_context(opened, pi), **_urls(token)}
        return Template(BALANCE, context=context, headers=VARY)

    @get("/{token:str}/history", name="client_billing:history")
    async def history(self, request: Request, token: FromPath[str], before: FromQuery[int] = 0) -> Template:
        """A page of usage and purchases, newest first (`before`: older than that entry)."""
        opened = await links.open_link(token)
        if not is_partial(request):
            return await _page(token, opened, before=before)
        context = {
            "history": await page.history(opened, before),
            "kind_labels": page.KIND_LABELS,
            "timezone": opened.workspace["timezone"],
            **_urls(token),
        }
        return Template(HISTORY, context=context, headers=VARY)

    @post("/{token:str}/buy", name="client_billing:buy")
    async def buy(self, request: Request, token: FromPath[str], data: Form[BuyForm]) -> Response:
        """Open Stripe's Checkout on the agency's account for a pack or a custom amount (303 there)."""
        opened = await links.open_link(token)
        back = absolute_url(request.app, "client_billing:page", token=token)
        brand = await brand_of(opened.workspace["id"])
        try:
            url = await purchase.start_checkout(
                opened.workspace,
                opened.client,
                brand,
                data.usd,
                data.attempt,
                back + PAID_RETURN,
                back + "?checkout=cancelled",
            )
        except ValidationFailed as exc:
            return await _page(token, opened, status_code=422, errors=exc.errors, custom_usd=data.usd)
        except purchase.PurchaseFailed as exc:
            status = 409 if isinstance(exc, purchase.ShopClosed) else 502
            return await _page(token, opened, status_code=status, errors={"purchase": exc.message})
        return Redirect(url, status_code=303)

    @post("/{token:str}/auto-recharge", name="client_billing:auto_recharge")
    async def auto_recharge(self, request: Request, token: FromPath[str], data: Form[AutoRechargeForm]) -> Response:
        """Turn auto-recharge on (threshold and amount) or off; a refusal names the field to fix (422)."""
        opened = await links.open_link(token)
        workspace_id, client_id = opened.workspace["id"], opened.client["id"]
        form = {"enabled": data.enabled == "on", "threshold": data.threshold, "usd": data.usd}
        try:
            await credit_settings.set_auto_recharge(
                workspace_id, client_id, enabled=form["enabled"], threshold=data.threshold, usd=data.usd
            )
        except ValidationFailed as exc:
            if not is_partial(request):
                return await _page(token, opened, status_code=422, recharge_errors=exc.errors, recharge_form=form)
            context = await page.page_context(opened, recharge_errors=exc.errors, recharge_form=form)
            return Template(RECHARGE, context={**context, **_urls(token)}, status_code=422, headers=VARY)
        if not is_partial(request):
            return Redirect(request.app.route_reverse("client_billing:page", token=token), status_code=303)
        context = await page.page_context(opened)
        return Template(RECHARGE, context={**context, **_urls(token), "recharge_saved": True}, headers=VARY)
