"""Security headers (CSP, nosniff, referrer, framing, HSTS) on every response the app sends.

Wired as a `before_send` hook rather than a route middleware: Litestar calls it for every message the whole
application sends, so 404s for unknown paths, CSRF refusals, 500s, static files and the webhook get the
headers too, not only responses that reached a handler.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from app.settings import Settings

# The outbox preview shows emails as mail clients get them, with inline style attributes (mail clients drop
# stylesheets). Its sandboxed srcdoc iframe inherits the page's policy, so this development-only page (never
# mounted in production) may apply inline styles; scripts stay locked down there too. The Monday Brief's preview
# (settings:brief) shows its brief the same way.
INLINE_STYLE_ROUTES = frozenset({"dev:outbox_message", "settings:brief"})
# The clients' billing page shows the agency's logo from its own https address, and its Buy buttons answer with a
# 303 to Stripe's Checkout (Chrome checks form-action on that redirect too). Scripts and styles stay our own.
CLIENT_PAGE_ROUTES = frozenset(
    {
        "client_billing:page",
        "client_billing:buy",
        "client_billing:balance",
        "client_billing:history",
        "client_billing:auto_recharge",
    }
)
STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"
HSTS = "max-age=63072000; includeSubDomains"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(settings: Settings, inline_styles: bool = False, client_page: bool = False) -> str:
    """Only our own scripts and styles; no plugins, no framing, no <base> rewriting.

    form-action names Stripe's Connect origin because Chrome checks form-action on the redirect that follows
    a form post too, and the Connect button's POST answers with a 303 to Stripe's consent page.
    """
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self' 'unsafe-inline'" if inline_styles else "'self'",
        "img-src": "'self' data:",
        "form-action": f"'self' {_origin(settings.stripe_connect_base)}",
        "base-uri": "'none'",
        **(_client_page_directives(settings) if client_page else {}),
        "object-src": "'none'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _client_page_directives(settings: Settings) -> dict[str, str]:
    checkout = f"{STRIPE_CHECKOUT_ORIGIN} {_origin(settings.stripe_api_base)}"
    return {"img-src": "'self' data: https:", "form-action": f"'self' {checkout}"}


class SecurityHeaders:
    """A `before_send` hook that sets the headers on each response's start message."""

    def __init__(self, settings: Settings) -> None:
        common = {
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY",
        }
        if settings.production:
            # Production only: a browser that saw it refuses plain HTTP to this host for two years.
            common["Strict-Transport-Security"] = HSTS
        self._strict = {**common, "Content-Security-Policy": content_security_policy(settings)}
        self._inline_styles = {
            **common,
            "Content-Security-Policy": content_security_policy(settings, inline_styles=True),
        }
        self._client_page = {**common, "Content-Security-Policy": content_security_policy(settings, client_page=True)}

    async def __call__(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        handler = scope.get("route_handler")
        name_of = getattr(handler, "name", None) if handler is not None else None
        chosen = self._strict
        if name_of in INLINE_STYLE_ROUTES:
            chosen = self._inline_styles
        elif name_of in CLIENT_PAGE_ROUTES:
            chosen = self._client_page
        headers = MutableScopeHeaders.from_message(message)
        for name, value in chosen.items():
            headers[name] = value  # ours win: one place decides these headers
