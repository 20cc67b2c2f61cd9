"""The client's confirmation page for a recharge their bank wants authenticated: the emailed link, no log-in.

White-label: a bad or expired link gets this page too (with a real status code), never ClientPulse's error page.
"""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.core.errors import NotFound
from app.credits import recharge_confirm
from app.credits.recharge_links import CONFIRM_PATH, RETURN_PATH, BadLink

PAGE = "credits/recharge_confirm.html"


def _page(token: str, pending: recharge_confirm.Pending, error: str = "", status_code: int = 200) -> Template:
    return Template(PAGE, context={"pending": pending, "token": token, "error": error}, status_code=status_code)


def _unavailable(exc: BadLink | NotFound) -> Template:
    status_code = 404 if isinstance(exc, NotFound) else 400
    return Template(PAGE, context={"pending": None, "message": exc.message}, status_code=status_code)


class RechargeConfirmController(Controller):
    include_in_schema = False

    @get(CONFIRM_PATH, name="recharge:confirm")
    async def show(self, token: FromPath[str]) -> Template:
        """The payment the bank asks about, and a button to confirm it (opening the link changes nothing)."""
        try:
            return _page(token, await recharge_confirm.find(token))
        except (BadLink, NotFound) as exc:
            return _unavailable(exc)

    @post(CONFIRM_PATH, name="recharge:authenticate", status_code=200)
    async def authenticate(self, token: FromPath[str]) -> Template | Redirect:
        """Confirm on-session: off to the bank's authentication page, or the outcome when none is needed."""
        try:
            pending, step = await recharge_confirm.start(token)
        except (BadLink, NotFound) as exc:
            return _unavailable(exc)
        if step.redirect:
            return Redirect(step.redirect, status_code=303)
        if step.error:
            return _page(token, pending, step.error, status_code=402)
        return _page(token, await recharge_confirm.find(token))

    @get(RETURN_PATH, name="recharge:return")
    async def returned(self, token: FromPath[str]) -> Template:
        """Back from the bank: the outcome as Stripe states it (refetched), credited once when paid."""
        try:
            pending = await recharge_confirm.returned(token)
        except (BadLink, NotFound) as exc:
            return _unavailable(exc)
        failed = pending.recharge["status"] == "requires_action"
        return _page(token, pending, "The bank did not confirm the payment. Try again." if failed else "")
