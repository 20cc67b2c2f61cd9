"""Paying for ClientPulse in tests: the stand-in's platform webhook endpoint, caught on loopback and handed to the app.

The stand-in signs and sends each platform event to a real HTTP receiver (as Stripe would send it to us); a test then
posts those exact bytes and signatures to the app, in the order it chooses (or twice), and sees what the app does.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import pytest

from app.settings import get_settings
from tests.conftest import post_form
from tests.integration.conftest import WEBHOOK_SECRET
from tests.plugins.standin import wait_until

PLATFORM_SECRET = "whsec_integration_platform"
WEBHOOK = "/billing/stripe/webhook"
BILLING = "/dashboard/billing"
# What paying a Checkout Session for a new customer sends, in Stripe's order (stripe_standin/checkout.py).
PURCHASE = 9


@dataclass
class Delivery:
    body: bytes
    signature: str

    @property
    def event(self) -> dict:
        return json.loads(self.body)

    @property
    def type(self) -> str:
        return self.event["type"]


@dataclass
class PlatformEndpoint:
    """The platform's webhook endpoint at the stand-in, and every delivery it received so far."""

    standin: object
    url: str = ""
    received: list[Delivery] = field(default_factory=list)
    taken: int = 0

    def take(self, count: int) -> list[Delivery]:
        """The next `count` deliveries in the order Stripe emitted them (each is sent on its own, so they can
        arrive in any order); waits for them by polling."""
        wanted = self.taken + count
        wait_until(lambda: len(self.received) >= wanted, message=f"{count} platform webhook deliveries")
        emitted = [e.id for e in reversed(self.standin.sdk().v1.events.list(params={"limit": 100}).data)]
        batch = sorted(self.received[self.taken : wanted], key=lambda d: emitted.index(d.event["id"]))
        self.taken = wanted
        return batch

    def after(self, act) -> list[Delivery]:
        """Do `act` at Stripe (a control action, a press on a hosted page), then take every event it sent."""
        before = self._emitted()
        act()
        return self.take(self._emitted() - before)

    def _emitted(self) -> int:
        return len(self.standin.sdk().v1.events.list(params={"limit": 100}).data)


@pytest.fixture(name="platform")
def fx_platform(stripe_standin, monkeypatch):
    """A platform endpoint registered at the stand-in, and the app verifying both endpoints' secrets."""
    endpoint = PlatformEndpoint(stripe_standin)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            endpoint.received.append(Delivery(body, self.headers["Stripe-Signature"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}{WEBHOOK}"
    stripe_standin.register_webhook(endpoint.url, connect=False, secret=PLATFORM_SECRET)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", f"{WEBHOOK_SECRET},{PLATFORM_SECRET}")
    get_settings.cache_clear()
    yield endpoint
    server.shutdown()
    server.server_close()


async def deliver(client, deliveries: list[Delivery]) -> list[dict]:
    """Post each delivery to the app's webhook exactly as Stripe sent it; returns the app's answers."""
    answers = []
    for delivery in deliveries:
        headers = {"Stripe-Signature": delivery.signature, "Content-Type": "application/json"}
        response = await client.post(WEBHOOK, content=delivery.body, headers=headers)
        assert response.status_code == 200, response.text
        answers.append(response.json())
    return answers


async def start_checkout(client, plan: str = "agency", htmx: bool = False):
    return await post_form(client, f"{BILLING}/checkout", {"plan": plan}, htmx=htmx, follow_redirects=False)


async def buy(client, standin, plan: str = "agency", card: str = "4242424242424242") -> dict:
    """Choose the plan, and pay its Checkout Session as the hosted page would; returns the session as paid."""
    response = await start_checkout(client, plan)
    assert response.status_code == 303, response.text
    session_id = urlparse(response.headers["location"]).path.rsplit("/", 1)[-1]
    return standin.action("pay_checkout_session", session=session_id, card=card)
