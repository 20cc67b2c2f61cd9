"""The agency dashboard: the workspace's home after log-in."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template

from app.revenue.dashboard import chart_context, overview
from app.web.auth import CurrentActor
from app.web.templating import money_in


class DashboardController(Controller):
    path = "/dashboard"
    include_in_schema = False

    @get("/", name="dashboard")
    async def show(self, actor: CurrentActor) -> Template:
        """MRR now and its trend, movements, churn, the clients to look at; or an invitation to connect Stripe."""
        workspace = actor.workspace
        money = money_in(workspace.currency)
        data = await overview(workspace.id, workspace.timezone, workspace.currency, money=money, connected_only=True)
        return Template(
            "revenue/dashboard.html",
            context={"actor": actor, "connected": data is not None, "overview": data, **chart_context()},
        )
