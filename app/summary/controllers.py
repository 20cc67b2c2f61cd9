"""The post-connection summary card on the Integrations page: polled while a sync runs, dismissable."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Response

from app.summary import services
from app.web.auth import CurrentActor
from app.web.htmx import fragment_or_redirect
from app.workspaces.services import Actor


async def _card_or_page(request: Request, actor: Actor) -> Response:
    """The summary card for htmx; anyone else belongs on the Integrations page, where the card lives."""

    async def context() -> dict:
        return {"actor": actor, "summary": await services.summary_card(actor.workspace_id)}

    return await fragment_or_redirect(
        request, "summary/_card.html", context, redirect_to=request.app.route_reverse("integrations:index")
    )


class SummaryController(Controller):
    path = "/dashboard/integrations/stripe/summary"
    include_in_schema = False

    @get("/", name="integrations:summary")
    async def show(self, request: Request, actor: CurrentActor) -> Response:
        """The "we found X invoices, matched Y" card alone (HTMX polling while a sync runs), or the page."""
        return await _card_or_page(request, actor)

    @post("/dismiss", name="integrations:summary_dismiss")
    async def dismiss(self, request: Request, actor: CurrentActor) -> Response:
        """Hide the card until the next sync finishes."""
        summary = await services.summary_card(actor.workspace_id)
        if summary is not None:
            await services.dismiss_summary(actor.workspace_id, summary.account_id)
        return await _card_or_page(request, actor)
