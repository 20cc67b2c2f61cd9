"""Monitoring transactions: the ledger in the Auto Billing tab and on each client's page, its CSV, adjustments.

Both places include a small shell that loads these routes' fragments with htmx and links to their full pages, so
the tab's and the client page's own controllers need nothing from here.
"""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Template

from app.auto_billing.services import require_view
from app.core import csv_export
from app.core.errors import ValidationFailed
from app.credit_activity import adjustments, queries, stripe_objects
from app.credit_activity.export import transactions_csv
from app.credit_activity.forms import AdjustmentForm
from app.stripe_data.overdue import today_in
from app.web.auth import CurrentActor
from app.web.flash import flash
from app.web.forms import Form
from app.web.htmx import VARY, is_partial, page_or_fragment
from app.workspaces.services import Actor

TAB_PAGE, TAB_FRAGMENT = "credit_activity/index.html", "credit_activity/_transactions.html"
CLIENT_PAGE, CLIENT_FRAGMENT = "credit_activity/client.html", "credit_activity/_client_credits.html"
STRIPE_PAGE, STRIPE_FRAGMENT = "credit_activity/stripe.html", "credit_activity/_stripe.html"


async def _filters(actor: Actor, kind: str, client: str, start: str, end: str, page: int) -> queries.Filters:
    require_view(actor)
    return await queries.parse_filters(actor.workspace_id, kind=kind, client=client, start=start, end=end, page=page)


async def _list_context(actor: Actor, filters: queries.Filters) -> dict[str, Any]:
    account_id, test_mode = await stripe_objects.dashboard_account(actor.workspace_id)
    return {
        "actor": actor,
        "listing": await queries.activity(actor.workspace_id, filters, actor.workspace.timezone),
        "stripe_account": account_id,
        "stripe_test_mode": test_mode,
    }


async def _client_context(actor: Actor, client_id: int, filters: queries.Filters, **extra: Any) -> dict[str, Any]:
    """The client's credits section: balance, the filtered list, and (for owners) the adjustment form."""
    return {
        **await _list_context(actor, filters),
        "client_id": client_id,
        "client_name": await queries.client_name(actor.workspace_id, client_id),
        "account": await queries.credit_state(actor.workspace_id, client_id),
        "form": AdjustmentForm(nonce=secrets.token_hex(16)),
        "errors": {},
        "notice": "",
        **extra,
    }


class CreditActivityController(Controller):
    path = "/dashboard"
    include_in_schema = False

    @get("/auto-billing/transactions", name="credit_activity:index")
    async def index(
        self,
        request: Request,
        actor: CurrentActor,
        kind: FromQuery[str] = "",
        client: FromQuery[str] = "",
        start: FromQuery[str] = "",
        end: FromQuery[str] = "",
        page: FromQuery[int] = 1,
    ) -> Template:
        """Every client's purchases, recharges, refunds, usage and adjustments, filtered and paged."""
        filters = await _filters(actor, kind, client, start, end, page)
        context = await _list_context(actor, filters)
        context["clients"] = await queries.client_options(actor.workspace_id)
        return page_or_fragment(request, TAB_PAGE, TAB_FRAGMENT, context)

    @get("/auto-billing/transactions.csv", name="credit_activity:export")
    async def export(
        self,
        actor: CurrentActor,
        kind: FromQuery[str] = "",
        client: FromQuery[str] = "",
        start: FromQuery[str] = "",
        end: FromQuery[str] = "",
    ) -> Response:
        """Every entry the list shows with the same filters (all pages) as a CSV download."""
        filters = await _filters(actor, kind, client, start, end, 1)
        ws = actor.workspace
        text = transactions_csv(await queries.matching_entries(ws.id, filters, ws.timezone), ws.timezone)
        filename = f"transactions-{today_in(ws.timezone).isoformat()}.csv"
        return Response(text, media_type=csv_export.MEDIA_TYPE, headers=csv_export.attachment(filename))

    @get("/auto-billing/transactions/stripe", name="credit_activity:stripe")
    async def stripe(self, request: Request, actor: CurrentActor) -> Template:
        """Payouts and application fees as Stripe reports them, with links into the agency's Stripe dashboard."""
        require_view(actor)
        context = {"actor": actor, "panel": await stripe_objects.stripe_panel(actor.workspace_id)}
        return page_or_fragment(request, STRIPE_PAGE, STRIPE_FRAGMENT, context)

    @get("/clients/{client_id:int}/credits", name="credit_activity:client")
    async def client_credits(
        self,
        request: Request,
        actor: CurrentActor,
        client_id: FromPath[int],
        kind: FromQuery[str] = "",
        start: FromQuery[str] = "",
        end: FromQuery[str] = "",
        page: FromQuery[int] = 1,
    ) -> Template:
        """One client's balance and transactions; owners also get the adjustment form."""
        filters = await _filters(actor, kind, str(client_id), start, end, page)
        context = await _client_context(actor, client_id, filters)
        return page_or_fragment(request, CLIENT_PAGE, CLIENT_FRAGMENT, context)

    @post("/clients/{client_id:int}/credits/adjustments", name="credit_activity:adjust")
    async def adjust(
        self, request: Request, actor: CurrentActor, client_id: FromPath[int], data: Form[AdjustmentForm]
    ) -> Response:
        """Record the owner's adjustment; the form comes back with messages (422) when something is wrong."""
        filters = await _filters(actor, "", str(client_id), "", "", 1)
        try:
            appended = await adjustments.record_adjustment(actor, client_id, data.credits, data.reason, data.nonce)
        except ValidationFailed as exc:
            context = await _client_context(actor, client_id, filters, errors=exc.errors, form=data)
            return page_or_fragment(request, CLIENT_PAGE, CLIENT_FRAGMENT, context, status_code=422)
        credits = int(appended.entry["credits"])
        notice = (
            f"Recorded an adjustment of {credits:+,} credits."
            if appended.created
            else "That adjustment was already recorded; nothing changed."
        )
        if not is_partial(request):
            flash(request, notice, "success")
            return Redirect(request.app.route_reverse("credit_activity:client", client_id=client_id), status_code=303)
        context = await _client_context(actor, client_id, filters, notice=notice)
        return Template(CLIENT_FRAGMENT, context=context, headers=VARY)
