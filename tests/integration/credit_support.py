"""Credit tests' shared steps: a workspace's payout account at the stand-in, a pack bought through Checkout on it,
and the Connect endpoint's deliveries caught on loopback and handed to the app exactly as Stripe sent them.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

import pytest

from app.credits import ledger
from app.credits.tables import CreditEntry
from app.integrations.tables import StripeEvent
from tests import factories
from tests.integration.auto_billing_support import payout_account_at_stripe
from tests.integration.billing_support import Delivery
from tests.integration.conftest import WEBHOOK_SECRET
from tests.plugins.standin import wait_until

WEBHOOK = "/billing/stripe/webhook"
# Alice's prices: $0.01 a credit to the client, $0.002 of it the platform's, $0.004 what a credit costs the agency.
FINAL, PLATFORM, COST = "0.01", "0.002", "0.004"


@dataclass
class ConnectEndpoint:
    """The platform's Connect webhook endpoint at the stand-in, and every delivery it received so far."""

    received: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of(self, event_type: str, object_id: str, count: int = 1) -> list[Delivery]:
        """The first `count` deliveries of `event_type` about `object_id`, waited for by polling."""

        def found() -> list[Delivery]:
            with self.lock:
                hits = [d for d in self.received if d.type == event_type and _object_id(d) == object_id]
            return hits[:count] if len(hits) >= count else []

        return wait_until(found, message=f"{count} {event_type} deliveries for {object_id}")

    def about(self, account: str) -> list[Delivery]:
        with self.lock:
            return [d for d in self.received if d.event.get("account") == account]


def _object_id(delivery: Delivery) -> str:
    return str(delivery.event["data"]["object"].get("id"))


@pytest.fixture(name="connect_hooks")
def fx_connect_hooks(stripe_standin):
    """A Connect endpoint registered at the stand-in, signed with the secret the app verifies."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    endpoint = ConnectEndpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with endpoint.lock:
                endpoint.received.append(Delivery(body, self.headers["Stripe-Signature"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}{WEBHOOK}"
    stripe_standin.register_webhook(url, connect=True, secret=WEBHOOK_SECRET)
    yield endpoint
    server.shutdown()
    server.server_close()


@dataclass
class Shop:
    """A workspace selling credits: its payout account at the stand-in and one client."""

    workspace_id: int
    account: str
    client_id: int


async def shop(standin, workspace_id: int, client_name: str = "Acme", email: str = "payouts@shop.test") -> Shop:
    payout = await payout_account_at_stripe(standin, workspace_id, email)
    client = await factories.client(workspace_id, client_name)
    return Shop(workspace_id, payout.stripe_account_id, client.id)


def metadata(workspace_id: int, client_id: int, credits: int, kind: str = "purchase") -> dict[str, str]:
    """The Checkout metadata contract, as the billing page writes it."""
    return {
        "clientpulse_kind": kind,
        "clientpulse_workspace": str(workspace_id),
        "clientpulse_client": str(client_id),
        "clientpulse_credits": str(credits),
        "clientpulse_final_price": FINAL,
        "clientpulse_platform_price": PLATFORM,
        "clientpulse_cost_per_credit": COST,
    }


def open_checkout(
    standin, account: str, meta: dict[str, str] | None, cents: int, fee: int, save_card: bool = True
) -> str:
    """A pack's Checkout Session (payment mode) on the connected account; returns its id."""
    pi_data: dict = {"application_fee_amount": fee}
    if save_card:
        pi_data["setup_future_usage"] = "off_session"
    params: dict = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {"currency": "usd", "unit_amount": cents, "product_data": {"name": "credits"}},
                "quantity": 1,
            }
        ],
        "payment_intent_data": pi_data,
        "customer_email": "buyer@acme.test",
        "success_url": "http://testserver/done",
    }
    if meta is not None:
        params["metadata"] = meta
        pi_data["metadata"] = meta
    return standin.sdk().v1.checkout.sessions.create(params=params, options={"stripe_account": account}).id


def pay(standin, account: str, session: str, card: str = "4242424242424242") -> str:
    """Pay the session as the hosted page would; returns its PaymentIntent's id."""
    paid = standin.action("pay_checkout_session", account=account, session=session, card=card)
    assert paid["status"] == "succeeded", paid
    return paid["payment_intent"]


def buy(standin, shop: Shop, credits: int = 2500, cents: int = 2500, fee: int = 500) -> tuple[str, str]:
    """A pack bought and paid with 4242; returns (session id, PaymentIntent id)."""
    session = open_checkout(standin, shop.account, metadata(shop.workspace_id, shop.client_id, credits), cents, fee)
    return session, pay(standin, shop.account, session)


def refund(standin, account: str, payment_intent: str, amount: int | None = None) -> str:
    params: dict = {"payment_intent": payment_intent}
    if amount is not None:
        params["amount"] = amount
    return standin.sdk().v1.refunds.create(params=params, options={"stripe_account": account}).id


async def post(client, delivery: Delivery) -> dict:
    """Post a delivery to the app's webhook exactly as Stripe sent it."""
    headers = {"Stripe-Signature": delivery.signature, "Content-Type": "application/json"}
    response = await client.post(WEBHOOK, content=delivery.body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def processed(event_id: str) -> bool:
    row = await StripeEvent.objects().where(StripeEvent.event_id == event_id).first()
    return row is not None and row.processed_at is not None


async def ledger_of(shop: Shop) -> list[dict]:
    """The client's entries, oldest first."""
    return list(reversed(await ledger.entries(shop.workspace_id, shop.client_id)))


async def balances(shop: Shop) -> tuple[int, int]:
    """(cached balance, sum of the ledger): equal whenever the ledger is right."""
    return (
        await ledger.balance(shop.workspace_id, shop.client_id),
        await ledger.ledger_balance(shop.workspace_id, shop.client_id),
    )


async def entry_count() -> int:
    return await CreditEntry.count()


def body_of(delivery: Delivery) -> dict:
    return json.loads(delivery.body)
