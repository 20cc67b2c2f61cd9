"""Auto Billing → credit pricing: owners set the Cost per Credit and watch the client price as they type.

Every route needs the Agency plan; teammates see the panel read-only. The workspace is always the session's.
"""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Template

from app.core.errors import ValidationFailed
from app.credit_pricing import services
from app.credit_pricing.forms import CostPerCreditForm
from app.web.auth import CurrentActor
from app.web.forms import Form
from app.web.htmx import VARY, is_partial, page_or_fragment
from app.workspaces import plans
from app.workspaces.services import Actor

PAGE, PANEL, PREVIEW = "credit_pricing/index.html", "credit_pricing/_panel.html", "credit_pricing/_preview.html"


def _gate(actor: Actor, owner_only: bool = False) -> None:
    plans.require(actor.workspace, plans.Feature.auto_billing)
    if owner_only:
        actor.require_owner("change the cost per credit")


async def _context(actor: Actor, **panel_args: object) -> dict:
    return {"actor": actor, **await services.pricing_panel(actor.workspace_id, actor.role, **panel_args)}


class CreditPricingController(Controller):
    path = "/dashboard/auto-billing/pricing"
    include_in_schema = False

    @get("/", name="credit_pricing:show")
    async def show(self, request: Request, actor: CurrentActor) -> Template:
        """The pricing panel on its own page (the panel alone for htmx)."""
        _gate(actor)
        return page_or_fragment(request, PAGE, PANEL, await _context(actor))

    @post("/preview", name="credit_pricing:preview")
    async def preview(self, request: Request, actor: CurrentActor, data: Form[CostPerCreditForm]) -> Template:
        """What the typed cost would show clients, without saving (owners; the page itself without JavaScript)."""
        _gate(actor, owner_only=True)
        if is_partial(request):
            context = await services.preview_context(actor.workspace_id, data.cost_per_credit)
            return Template(PREVIEW, context=context, headers=VARY)
        return Template(PAGE, context=await _context(actor, raw=data.cost_per_credit), headers=VARY)

    @post("/", name="credit_pricing:save")
    async def save(self, request: Request, actor: CurrentActor, data: Form[CostPerCreditForm]) -> Template:
        """Record the new cost per credit (owners); it applies at once to new purchases."""
        _gate(actor, owner_only=True)
        try:
            await services.set_cost_per_credit(actor, data.cost_per_credit)
        except ValidationFailed:
            context = await _context(actor, raw=data.cost_per_credit)
            return page_or_fragment(request, PAGE, PANEL, context, status_code=422)
        response = page_or_fragment(request, PAGE, PANEL, await _context(actor, saved=True))
        response.headers["HX-Trigger"] = "credit-pricing:saved"
        return response
