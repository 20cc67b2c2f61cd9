"""Sign up, log in, log out (here or everywhere), reset a password, and the person's own account settings."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.accounts import services, sessions
from app.accounts.forms import ForgotPasswordForm, LoginForm, ResetPasswordForm, SignupForm
from app.accounts.throttle import LoginThrottled
from app.core.errors import RateLimited, ValidationFailed
from app.web.auth import (
    CurrentActor,
    CurrentUser,
    client_ip,
    current_session_key,
    current_user_or_none,
    log_in,
    log_out,
    log_out_everywhere,
)
from app.web.flash import flash
from app.web.forms import Form, safe_next
from app.web.urls import absolute_url, route_params
from app.workspaces import plans
from app.workspaces.services import create_workspace, invitation_for_token
from tasks.emails import deliver_email


def _invitation_token(request: Request, next_path: str) -> str | None:
    """The token when a sign-up's `next` is an invitation link (the person came to join a workspace)."""
    params = route_params(request.app, "invitations:show", next_path)
    return params["token"] if params else None


class AccountController(Controller):
    include_in_schema = False

    @get("/signup", name="accounts:signup")
    async def signup_page(self, request: Request, next: FromQuery[str] = "") -> Template | Redirect:
        """Show the sign-up form; from an invitation, with the invited email filled in and locked."""
        if await current_user_or_none(request):
            return Redirect(safe_next(request, next))
        invitation = await invitation_for_token(_invitation_token(request, next))
        invited_email = invitation.email if invitation else None
        form = SignupForm(next=next, email=invited_email or "")
        return Template(
            "accounts/signup.html",
            context={
                "form": form,
                "errors": {},
                "invited_email": invited_email,
                "plan": plans.terms(plans.STARTING_PLAN),
            },
        )

    @post("/signup", name="accounts:create")
    async def signup(self, request: Request, data: Form[SignupForm]) -> Template | Redirect:
        """Create the login and its first workspace, then sign in."""
        token = _invitation_token(request, data.next)
        invitation = await invitation_for_token(token)
        invited_email = invitation.email if invitation else None
        try:
            user = await services.sign_up(data.email, data.password, data.name, client_ip(request), invited_email)
        except (ValidationFailed, RateLimited) as exc:
            errors = exc.errors if isinstance(exc, ValidationFailed) else {"form": exc.message}
            data.password, data.email = "", invited_email or data.email
            return Template(
                "accounts/signup.html",
                context={
                    "form": data,
                    "errors": errors,
                    "invited_email": invited_email,
                    "plan": plans.terms(plans.STARTING_PLAN),
                },
                status_code=429 if isinstance(exc, RateLimited) else 422,
            )
        if token is not None:
            # Invited people join the inviter's workspace instead of getting one of their own.
            await log_in(request, user)
            return Redirect(safe_next(request, data.next))
        workspace_name = data.workspace_name.strip() or f"{(data.name or user.email.split('@')[0]).strip()}'s agency"
        workspace = await create_workspace(user, workspace_name)
        await log_in(request, user, workspace.id)
        flash(request, f"Welcome to ClientPulse! {workspace.name} is ready: add your first clients.", "success")
        return Redirect(request.app.route_reverse("clients:index"))

    @get("/login", name="accounts:login")
    async def login_page(self, request: Request, next: FromQuery[str] = "") -> Template | Redirect:
        """Show the log-in form."""
        if await current_user_or_none(request):
            return Redirect(safe_next(request, next))
        return Template("accounts/login.html", context={"form": LoginForm(next=next), "errors": {}})

    @post("/login", name="accounts:authenticate")
    async def login(self, request: Request, data: Form[LoginForm]) -> Template | Redirect:
        """Check credentials (throttled) and start a session."""
        try:
            user = await services.authenticate(data.email, data.password, client_ip(request))
        except (ValidationFailed, LoginThrottled) as exc:
            throttled = isinstance(exc, LoginThrottled)
            data.password = ""
            return Template(
                "accounts/login.html",
                context={"form": data, "errors": {"form": exc.message}},
                status_code=429 if throttled else 422,
                headers={"Retry-After": str(exc.retry_after)} if throttled else None,
            )
        await log_in(request, user)
        return Redirect(safe_next(request, data.next))

    @post("/logout", name="accounts:logout")
    async def logout(self, request: Request) -> Redirect:
        """End this device's session (other devices stay signed in)."""
        await log_out(request)
        flash(request, "You're logged out.", "info")
        return Redirect(request.app.route_reverse("accounts:login"))

    @get("/password/forgot", name="accounts:forgot")
    async def forgot_page(self) -> Template:
        """Ask for the email to send a reset link to."""
        return Template("accounts/forgot.html", context={"form": ForgotPasswordForm(), "sent": False})

    @post("/password/forgot", name="accounts:send_reset")
    async def send_reset(self, request: Request, data: Form[ForgotPasswordForm]) -> Template:
        """Email a reset link; the answer is the same whether or not the account exists (429 per IP, see service)."""
        message = await services.request_password_reset(
            data.email, client_ip(request), lambda token: absolute_url(request.app, "accounts:reset", token=token)
        )
        if message is not None:
            deliver_email(message.id)
        return Template("accounts/forgot.html", context={"form": data, "sent": True})

    @get("/password/reset/{token:str}", name="accounts:reset")
    async def reset_page(self, token: FromPath[str]) -> Template:
        """Show the new-password form for a valid link."""
        await services.check_reset_token(token)
        return Template("accounts/reset.html", context={"token": token, "errors": {}})

    @post("/password/reset/{token:str}", name="accounts:set_password")
    async def reset(self, request: Request, token: FromPath[str], data: Form[ResetPasswordForm]) -> Template | Redirect:
        """Set the new password, end other sessions and sign in here."""
        try:
            user = await services.reset_password(token, data.password)
        except ValidationFailed as exc:
            return Template("accounts/reset.html", context={"token": token, "errors": exc.errors}, status_code=422)
        await log_in(request, user)
        flash(request, "Your password is changed. Other devices have been signed out.", "success")
        return Redirect(request.app.route_reverse("dashboard"))

    @get("/dashboard/settings/account", name="accounts:settings")
    async def account_settings(self, request: Request, actor: CurrentActor) -> Template:
        """The person's own account: where they are signed in, and a way to sign out everywhere."""
        devices = await sessions.live_devices(actor.user.id, current_session_key(request))
        return Template("accounts/settings.html", context={"actor": actor, "devices": devices})

    @post("/dashboard/settings/account/logout-everywhere", name="accounts:logout_everywhere")
    async def logout_everywhere(self, request: Request, user: CurrentUser) -> Redirect:
        """End every session of this person, this device's included."""
        await log_out_everywhere(request, user)
        flash(request, "You're logged out on every device, this one included.", "info")
        return Redirect(request.app.route_reverse("accounts:login"), status_code=303)
