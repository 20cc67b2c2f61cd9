"""The one-click unsubscribe link of the Monday Brief: no log-in, no CSRF token (RFC 8058 mail clients POST it)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from app.brief import unsubscribe
from app.brief.unsubscribe import UNSUBSCRIBE_PATH


def _settings_url(request: Request) -> str:
    # Where the person can switch the brief on again.
    return request.app.route_reverse("settings:brief")


class BriefUnsubscribeController(Controller):
    path = UNSUBSCRIBE_PATH
    include_in_schema = False

    @get(name="brief:unsubscribe")
    async def confirm(self, request: Request, token: FromPath[str]) -> Template:
        """Ask before switching off: link scanners open every link in a mail, and must not unsubscribe anyone."""
        subscription = await unsubscribe.find(token)
        return Template(
            "brief/unsubscribe.html",
            context={
                "subscription": subscription,
                "token": token,
                "done": False,
                "settings_url": _settings_url(request),
            },
        )

    # No CSRF token: the link itself is the credential, and mail clients POST "List-Unsubscribe=One-Click" with no
    # cookie. All a forged POST could do is switch off a brief whose signed link the forger already holds.
    @post(name="brief:unsubscribe_post", status_code=200, opt={"exclude_from_csrf": True})
    async def switch_off(self, request: Request, token: FromPath[str]) -> Template:
        """Switch the person's brief for this workspace off, and say how to get it back."""
        subscription = await unsubscribe.unsubscribe(token)
        return Template(
            "brief/unsubscribe.html",
            context={
                "subscription": subscription,
                "token": token,
                "done": True,
                "settings_url": _settings_url(request),
            },
        )
