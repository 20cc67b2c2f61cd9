"""The owners' side of the client billing page: branding (Auto Billing tab) and each client's private link.

Both panels load into their pages with htmx and have a page of their own without JavaScript. Teammates see them
read-only; only owners change them. Every route needs the Agency plan and works in the session's workspace.
"""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from app.client_billing import branding, links
from app.client_billing.forms import BrandingForm
from app.core.errors import ValidationFailed
from app.web.auth import CurrentActor
from app.web.forms import Form
from app.web.htmx import page_or_fragment
from app.web.urls import absolute_url
from app.workspaces import plans
from app.workspaces.services import Actor

BRANDING_PAGE, BRANDING_PANEL = "client_billing/branding.html", "client_billing/_branding.html"
LINK_PAGE, LINK_PANEL = "client_billing/link.html", "client_billing/_link.html"


def _gate(actor: Actor) -> None:
    plans.require(actor.workspace, plans.Feature.auto_billing)


async def _branding_context(actor: Actor, **extra: object) -> dict:
    brand = await branding.brand_of(actor.workspace_id)
    values = {
        "display_name": brand.display_name,
        "logo_url": brand.logo_url,
        "brand_color": brand.brand_color,
        "support_email": brand.support_email,
    }
    return {"actor": actor, "brand": brand, "values": values, "errors": {}, "saved": False, **extra}


class BrandingController(Controller):
    path = "/dashboard/auto-billing/branding"
    include_in_schema = False

    @get("/", name="client_billing:branding")
    async def show(self, request: Request, actor: CurrentActor) -> Template:
        """The Branding panel (htmx loads it into the Auto Billing tab); its own page without JavaScript."""
        _gate(actor)
        return page_or_fragment(request, BRANDING_PAGE, BRANDING_PANEL, await _branding_context(actor))

    @post("/", name="client_billing:branding_save")
    async def save(self, request: Request, actor: CurrentActor, data: Form[BrandingForm]) -> Template:
        """Save the agency's name, logo, colour and support email for its clients' billing pages (owners)."""
        typed = {
            "display_name": data.display_name,
            "logo_url": data.logo_url,
            "brand_color": data.brand_color,
            "support_email": data.support_email,
        }
        try:
            await branding.save(actor, typed)
        except ValidationFailed as exc:
            context = await _branding_context(actor, values=typed, errors=exc.errors)
            return page_or_fragment(request, BRANDING_PAGE, BRANDING_PANEL, context, status_code=422)
        context = await _branding_context(actor, saved=True)
        return page_or_fragment(request, BRANDING_PAGE, BRANDING_PANEL, context)


async def _link_context(request: Request, actor: Actor, client_id: int, token: str = "") -> dict:
    new_link = absolute_url(request.app, "client_billing:page", token=token) if token else ""
    return {"actor": actor, "link": await links.state(actor, client_id), "new_link": new_link}


class BillingLinkController(Controller):
    path = "/dashboard/clients/{client_id:int}/billing-link"
    include_in_schema = False

    @get("/", name="client_billing:link")
    async def show(self, request: Request, actor: CurrentActor, client_id: FromPath[int]) -> Template:
        """The client's "Billing page" section: whether a link is live (htmx loads it into the client's page)."""
        _gate(actor)
        return page_or_fragment(request, LINK_PAGE, LINK_PANEL, await _link_context(request, actor, client_id))

    @post("/", name="client_billing:link_create")
    async def create(self, request: Request, actor: CurrentActor, client_id: FromPath[int]) -> Template:
        """Make the client's link, or replace it (the old one stops working); the full link is shown this once."""
        token = await links.create(actor, client_id)
        return page_or_fragment(request, LINK_PAGE, LINK_PANEL, await _link_context(request, actor, client_id, token))

    @post("/revoke", name="client_billing:link_revoke")
    async def revoke(self, request: Request, actor: CurrentActor, client_id: FromPath[int]) -> Template:
        """Revoke the client's link: it answers "not found" from now on."""
        await links.revoke(actor, client_id)
        return page_or_fragment(request, LINK_PAGE, LINK_PANEL, await _link_context(request, actor, client_id))
