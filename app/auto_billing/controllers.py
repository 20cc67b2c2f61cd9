"""The Auto Billing tab: Manage Stripe Connect (the payout account), Stripe's onboarding round-trip, Payout Status."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from app.auto_billing import services
from app.auto_billing.forms import ManageForm
from app.auto_billing.services import StripeUnavailable
from app.auto_billing.status import PayoutState
from app.core.errors import ValidationFailed
from app.credit_pricing.services import pricing_panel
from app.web.auth import CurrentActor
from app.web.forms import Form
from app.web.htmx import VARY, fragment_or_redirect, is_partial, page_or_fragment
from app.web.urls import absolute_url
from app.workspaces import plans
from app.workspaces.plans import Feature
from app.workspaces.services import Actor

PAGE, PANEL = "auto_billing/index.html", "auto_billing/_status.html"


async def _context(actor: Actor, **extra: object) -> dict:
    allowed = actor.plan.allows(Feature.auto_billing)
    return {
        "actor": actor,
        "plan_allows": allowed,
        "plan_message": plans.required_message(Feature.auto_billing),
        "view": await services.panel(actor.workspace_id) if allowed else None,
        "PayoutState": PayoutState,
        "errors": {},
        "email": "",
        "error": "",
        # The guide's step 3 (Define Pricing) sits on this tab, under the payout status.
        **(await pricing_panel(actor.workspace_id, actor.role) if allowed else {}),
        **extra,
    }


def _stripe_urls(request: Request) -> tuple[str, str]:
    """Where Stripe sends the owner back: a fresh link when its link is spent, the tab when onboarding ends."""
    return absolute_url(request.app, "auto_billing:refresh"), absolute_url(request.app, "auto_billing:return")


async def _failed(actor: Actor, exc: StripeUnavailable) -> Template:
    return Template(PAGE, context=await _context(actor, error=exc.message), status_code=502)


class AutoBillingController(Controller):
    path = "/dashboard/auto-billing"
    include_in_schema = False

    @get("/", name="auto_billing:index")
    async def index(self, actor: CurrentActor) -> Template:
        """The tab; below the Agency plan it says so and points to billing (a 403, as every route here)."""
        context = await _context(actor)
        return Template(PAGE, context=context, status_code=200 if context["plan_allows"] else 403)

    @get("/status", name="auto_billing:status")
    async def status(self, request: Request, actor: CurrentActor, v: FromQuery[str] = "") -> Response:
        """The Payout Status panel (HTMX polls it): 204 while what it shows is the version `v` the page has."""
        services.require_view(actor)
        context = await _context(actor)
        if is_partial(request) and v and v == context["view"].version:
            return Response(content=b"", status_code=204, headers=VARY)
        return page_or_fragment(request, PAGE, PANEL, context)

    @post("/connect", name="auto_billing:connect")
    async def connect(self, request: Request, actor: CurrentActor, data: Form[ManageForm]) -> Response:
        """Manage Stripe Connect: create the payout account on first use, then onboarding or the Stripe dashboard."""
        refresh_url, return_url = _stripe_urls(request)
        try:
            url = await services.manage(actor, data.email, refresh_url, return_url)
        except ValidationFailed as exc:
            context = await _context(actor, errors=exc.errors, email=data.email)
            return Template(PAGE, context=context, status_code=422)
        except StripeUnavailable as exc:
            return await _failed(actor, exc)
        return Redirect(url, status_code=303)

    @post("/check", name="auto_billing:check")
    async def check(self, request: Request, actor: CurrentActor) -> Response:
        """Check status: ask Stripe for the account and its payouts now."""
        view = await services.check_status(actor)
        return await fragment_or_redirect(
            request,
            PANEL,
            lambda: _context(actor),
            redirect_to=request.app.route_reverse("auto_billing:index"),
            message=view.connection_error or f"Checked with Stripe: {view.state.label}.",
            level="error" if view.connection_error else "success",
        )

    @get("/onboarding/refresh", name="auto_billing:refresh")
    async def refresh(self, request: Request, actor: CurrentActor) -> Response:
        """Stripe's refresh_url: the onboarding link expired or was used, so mint a fresh one and go there."""
        try:
            url = await services.fresh_onboarding_link(actor, *_stripe_urls(request))
        except StripeUnavailable as exc:
            return await _failed(actor, exc)
        return Redirect(url, status_code=303)

    @get("/onboarding/return", name="auto_billing:return")
    async def returned(self, request: Request, actor: CurrentActor) -> Redirect:
        """Stripe's return_url: arriving here proves nothing, so ask Stripe what changed, then show the tab."""
        await services.check_status(actor)
        return Redirect(request.app.route_reverse("auto_billing:index"), status_code=303)

    @get("/stripe-dashboard", name="auto_billing:stripe_dashboard")
    async def stripe_dashboard(self, request: Request, actor: CurrentActor) -> Response:
        """The account's Stripe dashboard through a fresh login link (onboarding while Stripe still needs more)."""
        try:
            url = await services.stripe_dashboard(actor, *_stripe_urls(request))
        except StripeUnavailable as exc:
            return await _failed(actor, exc)
        return Redirect(url, status_code=303)
