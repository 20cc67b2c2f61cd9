"""Settings → API: owners make and revoke the workspace's API tokens; teammates see which exist."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Response, Template

from app.api import tokens
from app.api.endpoints import OPENAPI_URL, PREFIX
from app.api.forms import TokenForm
from app.core.errors import ValidationFailed
from app.web.auth import CurrentActor
from app.web.forms import Form
from app.web.htmx import fragment_or_redirect, page_or_fragment
from app.workspaces.services import Actor

PAGE, FRAGMENT = "api/settings.html", "api/_tokens.html"


async def _context(actor: Actor, **extra: object) -> dict:
    return {
        "actor": actor,
        "tokens": await tokens.list_tokens(actor),
        "api_base": PREFIX,
        "openapi_url": OPENAPI_URL,
        "errors": {},
        "name": "",
        "new_token": None,
        **extra,
    }


class ApiTokenController(Controller):
    path = "/dashboard/settings/api"
    include_in_schema = False

    @get("/", name="settings:api")
    async def show(self, actor: CurrentActor) -> Template:
        """The workspace's API tokens, and for owners the form that makes one."""
        return Template(PAGE, context=await _context(actor))

    @post("/tokens", name="settings:api_create")
    async def create(self, request: Request, actor: CurrentActor, data: Form[TokenForm]) -> Template:
        """Make a token and show its secret this once (owners only); nothing is stored that could show it again."""
        try:
            new_token = await tokens.create_token(actor, data.name)
        except ValidationFailed as exc:
            context = await _context(actor, errors=exc.errors, name=data.name)
            return page_or_fragment(request, PAGE, FRAGMENT, context, status_code=422)
        response = page_or_fragment(request, PAGE, FRAGMENT, await _context(actor, new_token=new_token))
        # The answer holds a secret: no browser or proxy may keep a copy (nor the back button show it again).
        response.headers["Cache-Control"] = "no-store"
        return response

    @post("/tokens/{token_id:int}/revoke", name="settings:api_revoke")
    async def revoke(self, request: Request, actor: CurrentActor, token_id: FromPath[int]) -> Response:
        """Stop a token from working at once (owners only)."""
        await tokens.revoke_token(actor, token_id)
        return await fragment_or_redirect(
            request,
            FRAGMENT,
            lambda: _context(actor),
            message="Token revoked. Anything still using it now gets 401.",
            redirect_to=request.app.route_reverse("settings:api"),
        )
