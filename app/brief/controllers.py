"""Settings → Monday Brief: this week's brief as you would receive it, your own opt-in, and Send it to me now."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Response, Template

from app.brief import preview, recipients
from app.brief.preview import SubscriptionForm
from app.web.auth import CurrentActor
from app.web.forms import Form
from app.web.htmx import fragment_or_redirect
from app.web.urls import absolute_url
from app.workspaces.services import Actor
from tasks.emails import deliver_email

PAGE = "brief/settings.html"


def _preview_unsubscribe(request: Request) -> str:
    # The preview is not a sent brief: its "stop these emails" link goes to this page, where the switch is.
    return absolute_url(request.app, "settings:brief")


async def _context(actor: Actor, **extra: object) -> dict:
    return {
        "actor": actor,
        "opted_in": await recipients.is_opted_in(actor.workspace_id, actor.user.id),
        # Owners see who gets the brief; a teammate sees only their own switch.
        "members": await recipients.members(actor.workspace_id) if actor.is_owner else [],
        "sent_to": "",
        **extra,
    }


class BriefController(Controller):
    path = "/dashboard/settings/brief"
    include_in_schema = False

    @get("/", name="settings:brief")
    async def show(self, request: Request, actor: CurrentActor) -> Template:
        """This week's brief as the current user would receive it."""
        email = await preview.preview(actor.workspace_id, actor.user.id, _preview_unsubscribe(request))
        return Template(PAGE, context=await _context(actor, email=email))

    @post("/subscription", name="settings:brief_subscription")
    async def subscription(self, request: Request, actor: CurrentActor, data: Form[SubscriptionForm]) -> Response:
        """Turn your own brief for this workspace on or off."""
        await recipients.set_opt_in(actor.workspace_id, actor.user.id, data.wanted)
        word = "on" if data.wanted else "off"
        return await fragment_or_redirect(
            request,
            "brief/_subscription.html",
            lambda: _context(actor),
            message=f"Your Monday Brief for {actor.workspace.name} is {word}.",
            redirect_to=request.app.route_reverse("settings:brief"),
        )

    @post("/send", name="settings:brief_send")
    async def send(self, request: Request, actor: CurrentActor) -> Response:
        """Put this week's brief in your inbox now (through the outbox, as every email)."""
        message = await preview.send_now(actor.workspace_id, actor.user.id, _preview_unsubscribe(request))
        if message is not None:
            deliver_email(message.id)
        sent_to = message.to_address if message is not None else ""
        text = f"This week's brief is on its way to {sent_to}." if sent_to else "There is no brief to send you yet."
        return await fragment_or_redirect(
            request,
            "brief/_send.html",
            lambda: _context(actor, sent_to=sent_to, nothing_to_send=not sent_to),
            message=text,
            level="success" if sent_to else "warning",
            redirect_to=request.app.route_reverse("settings:brief"),
        )
