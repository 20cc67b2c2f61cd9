"""The plan page: what ClientPulse itself costs this workspace (separate from the agency's own Stripe)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template

from app.clients.services import count_active_clients
from app.web.auth import CurrentActor
from app.workspaces import plans


class BillingController(Controller):
    path = "/dashboard/billing"
    include_in_schema = False

    @get("/", name="billing:show")
    async def show(self, actor: CurrentActor) -> Template:
        """Show the current plan and the others."""
        return Template(
            "billing/show.html",
            context={
                "actor": actor,
                "plans": list(plans.PLANS.values()),
                "current": actor.plan,
                "client_count": await count_active_clients(actor),
            },
        )
