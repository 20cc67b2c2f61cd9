"""The Integrations page, the Stripe card, the Connect OAuth round-trip, and Stripe's webhook."""

from __future__ import annotations

import logging
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template

from app.core.errors import Conflict
from app.integrations import services, webhooks
from app.integrations.services import CardState, ConnectError, ConnectRaceLost
from app.stripe_data import events as data_events
from app.stripe_data import partials as stripe_partials
from app.stripe_data import progress as stripe_progress
from app.stripe_data import sync as stripe_sync
from app.summary import services as summary
from app.web.auth import CurrentActor
from app.web.htmx import fragment_or_redirect, is_partial, page_or_fragment
from app.web.urls import absolute_url
from app.workspaces import plans
from app.workspaces.plans import Feature
from app.workspaces.services import Actor
from tasks.stripe_events import process_stripe_event
from tasks.sync import DISCONNECT_RETRY_DELAY, confirm_disconnect, run_backfill

log = logging.getLogger(__name__)
DISCONNECTED_MESSAGE = (
    "Disconnected Stripe account {name} ({account}). Data already pulled is kept; "
    "use Settings → Data → Purge to delete it."
)
UNCONFIRMED_MESSAGE = (
    "Stripe didn't confirm the disconnect of {name} ({account}); we'll keep trying until it does. "
    "Nothing syncs from it meanwhile, and data already pulled is kept."
)


async def _context(actor: Actor, **extra: object) -> dict:
    stripe = await services.card(actor)
    return {
        "actor": actor,
        "stripe": stripe,
        "CardState": CardState,
        "sync": (
            await stripe_progress.sync_view(actor.workspace_id, stripe.connection.stripe_account_id)
            if stripe.state is CardState.connected
            else None
        ),
        "partials": (
            await stripe_partials.summary(actor.workspace_id, stripe.connection.stripe_account_id)
            if stripe.state is CardState.connected
            else None
        ),
        "summary": await summary.summary_card(actor.workspace_id),  # "We found X invoices, matched Y" card
        "plan_allows": actor.plan.allows(Feature.stripe_connect),
        "plan_message": plans.required_message(Feature.stripe_connect),
        "connect_error": "",
        "connected": "",
        **extra,
    }


class IntegrationsController(Controller):
    path = "/dashboard/integrations"
    include_in_schema = False

    @get("/", name="integrations:index")
    async def index(self, actor: CurrentActor, connected: FromQuery[str] = "") -> Template:
        """All integration cards; `?connected=stripe` is where Stripe's OAuth lands people."""
        return Template("integrations/index.html", context=await _context(actor, connected=connected))

    @get("/stripe/card", name="integrations:stripe_card")
    async def stripe_card(self, request: Request, actor: CurrentActor) -> Template:
        """The Stripe card alone (HTMX), or the whole page."""
        return page_or_fragment(
            request, "integrations/index.html", "integrations/_stripe_card.html", await _context(actor)
        )

    @get("/stripe/progress", name="integrations:stripe_progress")
    async def stripe_progress(self, request: Request, actor: CurrentActor) -> Template:
        """The sync's progress bars (polled by HTMX); 286 tells htmx to stop polling once the sync ended."""
        context = await _context(actor)
        response = page_or_fragment(request, "integrations/index.html", "integrations/_sync_progress.html", context)
        sync = context["sync"]
        if is_partial(request) and not (sync is not None and sync.active):
            response.status_code = 286
            response.headers["HX-Trigger"] = "stripe-sync-finished"  # the card refreshes itself (e.g. into reconnect)
        return response

    @post("/stripe/connect", name="integrations:stripe_connect")
    async def connect(self, request: Request, actor: CurrentActor) -> Redirect:
        """Send the owner to Stripe's consent page with a fresh single-use state."""
        url = await services.start_connect(actor, absolute_url(request.app, "integrations:stripe_callback"))
        return Redirect(url, status_code=303)

    @get("/stripe/callback", name="integrations:stripe_callback")
    async def callback(
        self,
        request: Request,
        actor: CurrentActor,
        oauth_state: Annotated[str, QueryParameter(name="state")] = "",
        code: FromQuery[str] = "",
        error: FromQuery[str] = "",
    ) -> Template | Redirect:
        """Where Stripe sends the owner back: store the link, or say clearly why not."""
        try:
            connection = await services.complete_connect(actor, oauth_state, code, error)
        except (ConnectError, Conflict) as exc:
            if isinstance(exc, ConnectRaceLost) and exc.pending_connection_id is not None:
                confirm_disconnect.schedule((exc.pending_connection_id,), delay=DISCONNECT_RETRY_DELAY)
            status = 409 if isinstance(exc, Conflict) else 400
            return Template(
                "integrations/index.html", context=await _context(actor, connect_error=exc.message), status_code=status
            )
        run = await stripe_sync.start_backfill(actor.workspace_id, connection.stripe_account_id)
        run_backfill(run.id)  # enqueued after the rows above are committed, so the worker sees them
        return Redirect(request.app.route_reverse("integrations:index") + "?connected=stripe", status_code=303)

    @post("/stripe/disconnect", name="integrations:stripe_disconnect")
    async def disconnect(self, request: Request, actor: CurrentActor) -> Response:
        """Unlink the Stripe account (owners only); pulled data stays. 202 while Stripe hasn't confirmed it."""
        result = await services.disconnect(actor)
        names = {"name": result.connection.account_name, "account": result.connection.stripe_account_id}
        if result.confirmed:
            message, category, status = DISCONNECTED_MESSAGE.format(**names), "success", 200
        else:
            confirm_disconnect.schedule((result.connection.id,), delay=DISCONNECT_RETRY_DELAY)
            message, category, status = UNCONFIRMED_MESSAGE.format(**names), "warning", 202
        return await fragment_or_redirect(
            request,
            "integrations/_stripe_card.html",
            lambda: _context(actor, notice=message, notice_category=category),
            message=message,
            level=category,
            status_code=status,
            redirect_to=request.app.route_reverse("integrations:index"),
        )


@post("/billing/stripe/webhook", name="stripe:webhook", include_in_schema=False, opt={"exclude_from_csrf": True})
async def stripe_webhook(request: Request) -> Response:
    """Verify, store once, enqueue, and answer 200 fast; bad signatures get 400 and change nothing."""
    payload = await request.body()
    try:
        event = webhooks.verify(payload, request.headers.get("stripe-signature", ""))
        if await data_events.sync_paused_for(event):
            # Acknowledged, so Stripe stops retrying, and never stored, so no sweeper applies it later.
            return Response({"received": True, "dropped": "sync paused"}, status_code=200)
        row = await webhooks.store(event)
    except webhooks.InvalidWebhook as exc:
        log.warning("rejected stripe webhook: %s", exc)
        return Response({"error": str(exc)}, status_code=400)
    if row is not None:
        process_stripe_event(row.id)
    return Response({"received": True, "duplicate": row is None}, status_code=200)
