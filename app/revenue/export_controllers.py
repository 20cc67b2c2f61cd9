"""Revenue CSV downloads (the MRR series, the monthly movements) and the metrics help page that defines them.

Both roles may read them: a teammate sees the same figures on the dashboard. Kept apart from the dashboard's
controllers so that each page's module stays small.
"""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Response, Template

from app.core import csv_export
from app.revenue import exports, flags, services
from app.revenue.movements import monthly
from app.stripe_data.overdue import today_in
from app.web.auth import CurrentActor
from app.workspaces.services import Actor


def _download(actor: Actor, name: str, text: str) -> Response:
    filename = f"{name}-{today_in(actor.workspace.timezone).isoformat()}.csv"
    return Response(text, media_type=csv_export.MEDIA_TYPE, headers=csv_export.attachment(filename))


class RevenueExportController(Controller):
    path = "/dashboard/revenue"
    include_in_schema = False

    @get("/mrr.csv", name="revenue:export_mrr")
    async def export_mrr(self, actor: CurrentActor) -> Response:
        """MRR at each month end of the last 24 months and now, with each month's invoiced revenue."""
        mrr = await services.mrr_history(actor.workspace_id)
        invoiced = await services.invoiced_revenue(actor.workspace_id)
        return _download(actor, "mrr", exports.mrr_csv(mrr, invoiced))

    @get("/movements.csv", name="revenue:export_movements")
    async def export_movements(self, actor: CurrentActor) -> Response:
        """Each month's MRR movements by kind, with the churn and retention rates they give."""
        mrr = await services.mrr_history(actor.workspace_id)
        months = monthly(mrr.labels, mrr.clients)
        return _download(actor, "mrr-movements", exports.movements_csv(months, mrr.currency))


class MetricsHelpController(Controller):
    path = "/dashboard/help"
    include_in_schema = False

    @get("/metrics", name="help:metrics")
    async def metrics(self, actor: CurrentActor) -> Template:
        """How every revenue figure is defined, each under a heading other pages can link to."""
        context = {
            "actor": actor,
            "downgrade_days": flags.DOWNGRADE_WINDOW.days,
            "grace_days": flags.GRACE.days,
            "growth_months": flags.UPSELL_GROWTH_MONTHS,
            "loyal_months": flags.LOYAL_MONTHS,
            "rate_places": len(str(exports.RATE_PLACES).split(".")[1]),
        }
        return Template("revenue/help.html", context=context)
