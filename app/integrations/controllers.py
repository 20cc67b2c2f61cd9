"""The Integrations page and its cards (rendered as HTMX fragments so they can refresh on their own)."""

from __future__ import annotations

from app.web.auth import CurrentActor
from litestar.params import FromQuery
from litestar import Controller, Request, get
from litestar.response import Template

from app.web.htmx import page_or_fragment
from app.workspaces.services import AGENCY_ONLY_MESSAGE, Actor
from app.workspaces.tables import Plan


def _stripe_card(actor: CurrentActor) -> dict:
    return {
        "state": "not_connected",
        "plan_allows": actor.workspace.plan == Plan.agency.value,
        "plan_message": AGENCY_ONLY_MESSAGE,
        "is_owner": actor.is_owner,
    }


class IntegrationsController(Controller):
    path = "/dashboard/integrations"
    include_in_schema = False

    @get("/", name="integrations:index")
    async def index(self, actor: CurrentActor, connected: FromQuery[str] = "") -> Template:
        """All integration cards."""
        return Template("integrations/index.html", context={"actor": actor, "stripe": _stripe_card(actor),
                                                            "connected": connected})

    @get("/stripe/card", name="integrations:stripe_card")
    async def stripe_card(self, request: Request, actor: CurrentActor) -> Template:
        """The Stripe card alone (HTMX), or the whole page."""
        context = {"actor": actor, "stripe": _stripe_card(actor), "connected": ""}
        return page_or_fragment(request, "integrations/index.html", "integrations/_stripe_card.html", context)
