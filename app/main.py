"""The Litestar application: plugins, templates, static files, CSRF, sessions and routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Request, get
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.config.csrf import CSRFConfig
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from app.accounts.controllers import AccountController
from app.api.controllers import ApiTokenController
from app.api.credits import credits_router
from app.api.endpoints import api_router, openapi_config
from app.auto_billing.controllers import AutoBillingController
from app.billing.controllers import BillingController
from app.brief.controllers import BriefController
from app.brief.unsubscribe_controllers import BriefUnsubscribeController
from app.client_billing.controllers import BillingLinkController, BrandingController
from app.client_billing.public_controllers import ClientBillingPageController
from app.clients.controllers import ClientController
from app.credit_activity.controllers import CreditActivityController
from app.credit_pricing.controllers import CreditPricingController
from app.credits.recharge_controllers import RechargeConfirmController
from app.dev.controllers import OutboxController
from app.integrations.controllers import IntegrationsController, stripe_webhook
from app.revenue.controllers import DashboardController
from app.revenue.export_controllers import MetricsHelpController, RevenueExportController
from app.review.controllers import ReviewController
from app.settings import ROOT, Settings, get_settings
from app.stripe_data.controllers import DataController
from app.summary.controllers import SummaryController
from app.web.auth import DEPENDENCIES, current_user_or_none
from app.web.errors import EXCEPTION_HANDLERS
from app.web.forms import check_input
from app.web.security_headers import SecurityHeaders
from app.web.templating import template_config
from app.workspaces.controllers import InvitationController, SettingsController, WorkspaceController

log = logging.getLogger(__name__)


@get("/", include_in_schema=False, name="home")
async def home(request: Request) -> Redirect:
    """Signed-in people go to their dashboard; everyone else to the log-in page."""
    name = "dashboard" if await current_user_or_none(request) else "accounts:login"
    return Redirect(request.app.route_reverse(name))


@get("/healthz", include_in_schema=False, name="health")
async def health() -> dict[str, str]:
    """Liveness for process managers and test fixtures."""
    return {"status": "ok"}


def _lifespan(settings: Settings):
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        from piccolo.engine import engine_finder

        engine = engine_finder()
        pooled = settings.uses_postgres and settings.db_pool_size > 0
        if pooled:
            await engine.start_connection_pool(max_size=settings.db_pool_size)
        try:
            yield
        finally:
            if pooled:
                await engine.close_connection_pool()

    return lifespan


def route_handlers(settings: Settings) -> list:
    handlers = [
        home,
        DashboardController,
        health,
        AccountController,
        WorkspaceController,
        SettingsController,
        InvitationController,
        BillingController,
        IntegrationsController,
        ClientController,
        RevenueExportController,
        MetricsHelpController,
        stripe_webhook,
        ReviewController,
        SummaryController,
        DataController,
        ApiTokenController,
        BriefController,
        BriefUnsubscribeController,
        CreditPricingController,
        AutoBillingController,
        BrandingController,
        BillingLinkController,
        ClientBillingPageController,
        CreditActivityController,
        RechargeConfirmController,
        api_router,
        credits_router,
        create_static_files_router(path="/static", directories=[ROOT / "static"], name="static"),
    ]
    if not settings.production:
        handlers.append(OutboxController)
    return handlers


def _allowed_hosts(settings: Settings) -> AllowedHostsConfig | None:
    """In production, answer 400 to a Host header that is not ours, so nothing can build a link on a forged one.

    Outside production any host goes: the demo and the tests reach the app under many names. /healthz is
    exempt because process managers probe it by IP address, and it renders nothing.
    """
    if not settings.production:
        return None
    return AllowedHostsConfig(allowed_hosts=list(settings.allowed_hosts), exclude=["^/healthz$"], www_redirect=False)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    templates = template_config()
    return Litestar(
        route_handlers=route_handlers(settings),
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=check_input,
        template_config=templates,
        plugins=[HTMXPlugin()],
        allowed_hosts=_allowed_hosts(settings),
        middleware=[
            CookieBackendConfig(
                secret=settings.session_key,
                key="cp_session",
                httponly=True,
                samesite="lax",
                secure=settings.production,
                max_age=settings.session_max_age_seconds,
            ).middleware
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="cp_csrf",
            cookie_secure=settings.production,
            cookie_samesite="lax",
            header_name="x-csrftoken",
            # Handlers that take POSTs from elsewhere (Stripe's webhooks) say so with opt={"exclude_from_csrf": True}.
            exclude=["/healthz"],
        ),
        lifespan=[_lifespan(settings)],
        before_send=[SecurityHeaders(settings)],
        # The JSON API's document only: every page handler is excluded from the schema.
        openapi_config=openapi_config(),
        debug=False,
    )
