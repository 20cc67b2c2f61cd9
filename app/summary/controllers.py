"""The post-connection summary card on the Integrations page: polled while a sync runs, dismissable."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template

from app.summary import services
from app.web.auth import CurrentActor
from app.web.htmx import is_partial

VARY = {"Vary": "HX-Request"}


class SummaryController(Controller):
    path = "/dashboard/integrations/stripe/summary"
    include_in_schema = False

    @get("/", name="integrations:summary")
    async def show(self, request: Request, actor: CurrentActor) -> Response:
        """The "we found X invoices, matched Y" card alone (HTMX polling while a sync runs), or the page."""
        if not is_partial(request):
            return Redirect("/dashboard/integrations", status_code=303)
        summary = await services.summary_card(actor.workspace_id)
        return Template("summary/_card.html", context={"actor": actor, "summary": summary}, headers=VARY)

    @post("/dismiss", name="integrations:summary_dismiss")
    async def dismiss(self, request: Request, actor: CurrentActor) -> Response:
        """Hide the card until the next sync finishes."""
        summary = await services.summary_card(actor.workspace_id)
        if summary is not None:
            await services.dismiss_summary(actor.workspace_id, summary.account_id)
        if not is_partial(request):
            return Redirect("/dashboard/integrations", status_code=303)
        summary = await services.summary_card(actor.workspace_id)
        return Template("summary/_card.html", context={"actor": actor, "summary": summary}, headers=VARY)
