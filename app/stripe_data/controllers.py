"""Settings → Data: what is stored from Stripe, Purge (typed confirmation), and "Sync again" afterwards."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template

from app.core.errors import ValidationFailed
from app.integrations import services as integrations
from app.stripe_data import purge as purging
from app.stripe_data import sync
from app.stripe_data.forms import PurgeForm
from app.web.auth import CurrentActor
from app.web.flash import flash
from app.web.forms import Form
from app.web.htmx import fragment_or_redirect, page_or_fragment
from app.workspaces.services import Actor
from tasks.sync import run_backfill


async def _context(actor: Actor, **extra: object) -> dict:
    return {
        "actor": actor,
        "stored": await purging.stored_data(actor.workspace_id),
        "connection": await integrations.current_connection(actor.workspace_id),
        "errors": {},
        "purged": None,
        "confirm": "",
        **extra,
    }


class DataController(Controller):
    path = "/dashboard/settings/data"
    include_in_schema = False

    @get("/", name="settings:data")
    async def show(self, actor: CurrentActor) -> Template:
        """What ClientPulse stores from Stripe, for every member; only owners get the purge form (purge checks too)."""
        return Template("settings/data.html", context=await _context(actor))

    @post("/purge", name="settings:data_purge")
    async def purge(self, request: Request, actor: CurrentActor, data: Form[PurgeForm]) -> Response:
        """Delete everything pulled from Stripe once the workspace name is typed exactly."""
        try:
            purged = await purging.purge(actor, data.confirm)
        except ValidationFailed as exc:
            context = await _context(actor, errors=exc.errors, confirm=data.confirm)
            return page_or_fragment(request, "settings/data.html", "settings/_data_panel.html", context, 422)
        message = f"Purged {purged.total:,} rows pulled from Stripe. Nothing will sync until you ask."
        return await fragment_or_redirect(
            request,
            "settings/_data_panel.html",
            lambda: _context(actor, purged=message),
            message=message,
            redirect_to=request.app.route_reverse("settings:data"),
        )

    @post("/sync", name="settings:data_sync")
    async def sync_again(self, request: Request, actor: CurrentActor) -> Redirect:
        """Lift the pause a purge left and start a fresh backfill of the connected account (owners only)."""
        run = await sync.resume_sync(actor)
        run_backfill(run.id)  # enqueued after resume_sync committed the run, so the worker sees it
        flash(request, "Syncing again from Stripe. Progress shows on the Stripe card.", "success")
        return Redirect(request.app.route_reverse("integrations:index"), status_code=303)
