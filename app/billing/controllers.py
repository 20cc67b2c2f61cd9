"""The plan page: what ClientPulse itself costs this workspace (apart from the agency's own Stripe), and paying it."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Template

from app.billing import services
from app.billing.forms import CheckoutForm
from app.clients.services import count_active_clients
from app.web.auth import CurrentActor
from app.web.forms import Form
from app.web.htmx import is_partial, navigate, page_or_fragment
from app.web.urls import absolute_url
from app.workspaces import plans
from app.workspaces.services import Actor

# Stripe puts the session's id where this placeholder stands when it sends the owner back.
CHECKOUT_RETURN = "?checkout={CHECKOUT_SESSION_ID}"


async def _context(actor: Actor, checkout: str = "") -> dict[str, Any]:
    subscription = await services.subscription_of(actor.workspace_id)
    return {
        "actor": actor,
        "plans": list(plans.PLANS.values()),
        "current": actor.plan,
        "free_label": plans.terms(plans.Plan.free).label,
        "client_count": await count_active_clients(actor),
        "sellable": [terms.id for terms in services.sellable_plans()],
        "subscription": subscription,
        "paying": subscription is not None and subscription.status in services.LIVE_STATUSES,
        "checkout": await services.checkout_return(actor, checkout) if checkout else None,
    }


class BillingController(Controller):
    path = "/dashboard/billing"
    include_in_schema = False

    @get("/", name="billing:show")
    async def show(self, actor: CurrentActor, checkout: FromQuery[str] = "") -> Template:
        """The current plan and the others; `?checkout=` is where Stripe's Checkout sends the owner back."""
        return Template("billing/show.html", context=await _context(actor, checkout))

    @get("/plan", name="billing:plan_status")
    async def plan_status(self, request: Request, actor: CurrentActor, checkout: FromQuery[str] = "") -> Response:
        """The current-plan panel, polled by HTMX after Checkout; once Stripe's webhook landed, the page reloads."""
        context = await _context(actor, checkout)
        response = page_or_fragment(request, "billing/show.html", "billing/_current_plan.html", context)
        if is_partial(request) and (context["checkout"] is None or context["checkout"].confirmed):
            response.headers["HX-Refresh"] = "true"  # every plan card changes with the plan, not just this panel
        return response

    @post("/checkout", name="billing:checkout")
    async def checkout(self, request: Request, actor: CurrentActor, data: Form[CheckoutForm]) -> Response:
        """Send the owner to Stripe's Checkout for the chosen plan (303; HX-Redirect for htmx)."""
        back = absolute_url(request.app, "billing:show")
        url = await services.start_checkout(actor, data.plan, back + CHECKOUT_RETURN, back)
        return navigate(request, url)

    @post("/portal", name="billing:portal")
    async def portal(self, request: Request, actor: CurrentActor) -> Response:
        """Open Stripe's Customer Portal, where the owner cancels or changes the card; it returns here."""
        url = await services.open_portal(actor, absolute_url(request.app, "billing:show"))
        return navigate(request, url)
