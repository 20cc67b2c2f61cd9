"""The plan page: what ClientPulse itself costs this workspace (separate from the agency's own Stripe)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template

from app.clients.services import count_active_clients
from app.web.auth import CurrentActor
from app.workspaces.services import FREE_CLIENT_LIMIT, PLAN_LABELS

PLANS = [
    {
        "id": "free",
        "name": "Free",
        "price": "$0",
        "features": [f"Up to {FREE_CLIENT_LIMIT} clients", "Every integration"],
    },
    {
        "id": "pro",
        "name": "Pro",
        "price": "$249/mo",
        "features": ["Unlimited clients", "Monday Brief", "Revenue dashboards"],
    },
    {
        "id": "agency",
        "name": "Agency",
        "price": "$799+/mo",
        "features": ["Everything in Pro", "Stripe Connect (read your invoices)", "Auto Billing for your clients"],
    },
]


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
                "plans": PLANS,
                "current_label": PLAN_LABELS[actor.workspace.plan],
                "client_count": await count_active_clients(actor),
                "free_limit": FREE_CLIENT_LIMIT,
            },
        )
