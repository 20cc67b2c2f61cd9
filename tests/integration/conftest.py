"""Integration fixtures: point the app's Stripe seam at the running stand-in."""

from __future__ import annotations

import json
import secrets
import socket
import time
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import stripe
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from app.settings import get_settings

WEBHOOK_SECRET = "whsec_integration_tests"
CONNECT = "/dashboard/integrations/stripe/connect"
CALLBACK = "/dashboard/integrations/stripe/callback"


@pytest.fixture(name="stripe_standin")
def fx_stripe_standin(fresh_standin, monkeypatch):
    """The seeded stand-in, with the app's settings pointing at it (restored afterwards)."""
    monkeypatch.setenv("STRIPE_API_BASE", fresh_standin.base_url)
    monkeypatch.setenv("STRIPE_CONNECT_BASE", fresh_standin.base_url)
    monkeypatch.setenv("STRIPE_SECRET_KEY", fresh_standin.secret_key)
    monkeypatch.setenv("STRIPE_CLIENT_ID", fresh_standin.client_id)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    get_settings.cache_clear()
    yield fresh_standin
    monkeypatch.undo()
    get_settings.cache_clear()


class SmtpInbox(Message):
    """What a real SMTP server on loopback received (aiosmtpd), as email.message.Message objects."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)

    def texts(self) -> list[str]:
        """The decoded text/plain part of every message received."""
        return [
            part.get_payload(decode=True).decode()
            for message in self.messages
            for part in message.walk()
            if part.get_content_type() == "text/plain"
        ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(name="smtp")
def fx_smtp(monkeypatch):
    """A real SMTP server on loopback, with SMTP_URL pointing at it (restored afterwards)."""
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
    get_settings.cache_clear()
    yield inbox
    controller.stop()
    monkeypatch.undo()
    get_settings.cache_clear()


PRODUCTION_BASE_URL = "https://app.example"
PRODUCTION_WEBHOOK_SECRET = "whsec_production_" + secrets.token_hex(8)
# A complete production environment that load_settings() accepts: each test that needs production starts here.
PRODUCTION_ENV = {
    "APP_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(48),
    "BASE_URL": PRODUCTION_BASE_URL,
    "STRIPE_SECRET_KEY": "sk_live_" + secrets.token_hex(12),
    "STRIPE_CLIENT_ID": "ca_" + secrets.token_hex(12),
    "STRIPE_WEBHOOK_SECRET": PRODUCTION_WEBHOOK_SECRET,
    "STRIPE_API_BASE": "https://api.stripe.com",
    "STRIPE_CONNECT_BASE": "https://connect.stripe.com",
}


def use_production_environment(monkeypatch) -> None:
    """Turn the process environment production; get_settings() reads it afresh until monkeypatch.undo()."""
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


@pytest.fixture(name="production_client")
async def fx_production_client(monkeypatch):
    """A client of a production app, with the process settings production too (the mail seam reads them)."""
    from litestar.testing import AsyncTestClient

    from app.main import create_app

    use_production_environment(monkeypatch)
    assert get_settings().production
    # https, so the test client sends the Secure CSRF and session cookies back.
    async with AsyncTestClient(app=create_app(get_settings()), base_url=PRODUCTION_BASE_URL) as client:
        yield client
    monkeypatch.undo()
    get_settings.cache_clear()


def consent(authorize_url: str, account: str | None, deny: bool = False) -> dict[str, str]:
    """Do what a person does on Stripe's consent page; returns the query Stripe redirects back with."""
    query = {k: v[0] for k, v in parse_qs(urlparse(authorize_url).query).items()}
    form = {
        "client_id": query["client_id"],
        "redirect_uri": query["redirect_uri"],
        "state": query.get("state", ""),
        "scope": query.get("scope", ""),
        "stripe_user_email": "owner@demo.test",
        "action": "deny" if deny else "connect",
    }
    if account:
        form["account"] = account
    response = httpx.post(authorize_url.split("?")[0], data=form, follow_redirects=False)
    assert response.status_code in (302, 303), response.text
    location = response.headers["location"]
    assert location.startswith(query["redirect_uri"])
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


def signed(event: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, dict]:
    """A payload and headers signed exactly as Stripe signs them."""
    payload = json.dumps(event)
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{payload}", secret)
    return payload.encode(), {"Stripe-Signature": f"t={timestamp},v1={signature}", "Content-Type": "application/json"}


async def start_connect(client) -> str:
    """Click Connect Stripe; returns the authorize URL on Stripe that the app redirects to."""
    from tests.conftest import post_form

    response = await post_form(client, CONNECT, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def finish_connect(client, back: dict):
    """Arrive back from Stripe at the OAuth callback with the query Stripe redirected with."""
    return await client.get(CALLBACK, params=back, follow_redirects=False)


async def connect_through_oauth(client, account: str):
    """The whole round trip: Connect Stripe, pick `account` on the consent page, back to the callback."""
    response = await finish_connect(client, consent(await start_connect(client), account))
    assert response.status_code == 303, response.text
    return response
