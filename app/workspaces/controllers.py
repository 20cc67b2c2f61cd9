"""Create and switch workspaces, workspace settings, the team and invitations."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from app.core.errors import ValidationFailed
from app.core.timeutil import _timezones
from app.core.validation import require_id
from app.web.auth import CurrentActor, CurrentUser, current_user_or_none, set_current_workspace
from app.web.flash import flash
from app.web.forms import Form
from app.web.htmx import fragment_or_redirect, page_or_fragment
from app.web.urls import absolute_url
from app.workspaces import services
from app.workspaces.forms import InviteForm, RoleForm, SwitchForm, WorkspaceForm
from tasks.emails import deliver_email


def _timezone_choices() -> list[str]:
    return sorted(_timezones())


class WorkspaceController(Controller):
    include_in_schema = False

    @get("/workspaces/new", name="workspaces:new")
    async def new_workspace(self, user: CurrentUser) -> Template:
        """Show the create-workspace form."""
        return Template(
            "workspaces/new.html", context={"form": WorkspaceForm(), "errors": {}, "timezones": _timezone_choices()}
        )

    @post("/workspaces", name="workspaces:create")
    async def create(self, request: Request, user: CurrentUser, data: Form[WorkspaceForm]) -> Template | Redirect:
        """Create a workspace and switch to it."""
        try:
            workspace = await services.create_workspace(user, data.name, data.timezone)
        except ValidationFailed as exc:
            return Template(
                "workspaces/new.html",
                context={"form": data, "errors": exc.errors, "timezones": _timezone_choices()},
                status_code=422,
            )
        await services.switch_workspace(user, workspace.id)
        set_current_workspace(request, workspace.id)
        flash(request, f"Created {workspace.name}.", "success")
        return Redirect(request.app.route_reverse("clients:index"))

    @post("/workspaces/switch", name="workspaces:switch")
    async def switch(self, request: Request, user: CurrentUser, data: Form[SwitchForm]) -> Redirect:
        """Make another of the user's workspaces the current one."""
        actor = await services.switch_workspace(user, require_id(data.workspace_id))
        set_current_workspace(request, actor.workspace_id)
        flash(request, f"Switched to {actor.workspace.name}.", "info")
        return Redirect(request.app.route_reverse("clients:index"))


class SettingsController(Controller):
    path = "/dashboard/settings"
    include_in_schema = False

    async def _context(self, actor: CurrentActor, **extra: object) -> dict:
        return {
            "actor": actor,
            "members": await services.list_members(actor),
            "invitations": await services.pending_invitations(actor),
            "timezones": _timezone_choices(),
            "errors": {},
            "invite_errors": {},
            **extra,
        }

    async def _team_changed(self, request: Request, actor: CurrentActor, message: str) -> Response:
        """htmx swaps in the refreshed team panel; a plain form redirects (so a reload never re-submits)."""
        return await fragment_or_redirect(
            request,
            "workspaces/_team.html",
            lambda: self._context(actor),
            message=message,
            redirect_to=request.app.route_reverse("settings:show"),
        )

    @get("/", name="settings:show")
    async def show(self, actor: CurrentActor) -> Template:
        """Workspace settings and the team."""
        return Template("workspaces/settings.html", context=await self._context(actor))

    @post("/workspace", name="settings:update")
    async def update(self, request: Request, actor: CurrentActor, data: Form[WorkspaceForm]) -> Template | Redirect:
        """Rename the workspace or change its time zone (owners only)."""
        try:
            await services.update_workspace(actor, data.name, data.timezone)
        except ValidationFailed as exc:
            return Template(
                "workspaces/settings.html", context=await self._context(actor, errors=exc.errors), status_code=422
            )
        flash(request, "Workspace settings saved.", "success")
        return Redirect(request.app.route_reverse("settings:show"))

    @post("/team/invite", name="settings:invite")
    async def invite(self, request: Request, actor: CurrentActor, data: Form[InviteForm]) -> Response:
        """Email an invitation; answers with the refreshed team panel."""
        errors: dict[str, str] = {}
        invited = ""
        try:
            message = await services.invite(
                actor, data.email, lambda token: absolute_url(request.app, "invitations:show", token=token)
            )
            deliver_email(message.id)
            invited = message.to_address
        except ValidationFailed as exc:
            errors = exc.errors
        if invited:
            return await fragment_or_redirect(
                request,
                "workspaces/_team.html",
                lambda: self._context(actor, invited=invited, invite_email=""),
                message=f"Invitation sent to {invited}.",
                redirect_to=request.app.route_reverse("settings:show"),
            )
        context = await self._context(actor, invite_errors=errors, invite_email=data.email)
        return page_or_fragment(request, "workspaces/settings.html", "workspaces/_team.html", context, status_code=422)

    @post("/team/{membership_id:int}/remove", name="settings:remove_member")
    async def remove(self, request: Request, actor: CurrentActor, membership_id: FromPath[int]) -> Template | Redirect:
        """Remove someone from the workspace."""
        await services.remove_member(actor, membership_id)
        return await self._team_changed(request, actor, "Removed from the workspace.")

    @post("/team/{membership_id:int}/role", name="settings:set_role")
    async def set_role(
        self, request: Request, actor: CurrentActor, membership_id: FromPath[int], data: Form[RoleForm]
    ) -> Template | Redirect:
        """Promote a teammate to owner, or make an owner a teammate."""
        await services.set_role(actor, membership_id, data.role)
        return await self._team_changed(request, actor, "Role changed.")

    @post("/team/invitations/{invitation_id:int}/revoke", name="settings:revoke_invitation")
    async def revoke(self, request: Request, actor: CurrentActor, invitation_id: FromPath[int]) -> Template | Redirect:
        """Cancel a pending invitation."""
        await services.revoke_invitation(actor, invitation_id)
        return await self._team_changed(request, actor, "Invitation revoked.")


class InvitationController(Controller):
    path = "/invitations"
    include_in_schema = False

    @get("/{token:str}", name="invitations:show")
    async def show(self, request: Request, token: FromPath[str]) -> Template:
        """Explain the invitation and offer to accept it (signing in or up first); 403 for another account."""
        invitation = await services.find_invitation(token)
        user = await current_user_or_none(request)
        mismatch = services.invitee_mismatch(invitation, user) if user else None
        return Template(
            "workspaces/invitation.html",
            status_code=403 if mismatch else 200,
            context={"invitation": invitation, "token": token, "user": user, "mismatch": mismatch},
        )

    @post("/{token:str}/accept", name="invitations:accept")
    async def accept(self, request: Request, user: CurrentUser, token: FromPath[str]) -> Redirect:
        """Join the workspace as the signed-in user, who must be the invitee."""
        workspace = await services.accept_invitation(token, user)
        set_current_workspace(request, workspace.id)
        flash(request, f"You joined {workspace.name}.", "success")
        return Redirect(request.app.route_reverse("clients:index"))
