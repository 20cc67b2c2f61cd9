"""Webhooks: delivered in the background, signed like Stripe, verified by the SDK, retried on failure."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from tests.plugins.standin import wait_until

from .helpers import ELSEWHERE, NORTHWIND_DIGITAL


class Receiver:
    """A tiny webhook receiver on loopback that records what it gets; can fail the first N posts."""

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[tuple[bytes, dict]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.fail_first > 0:
                    receiver.fail_first -= 1
                    self.send_response(500)
                else:
                    receiver.received.append((body, dict(self.headers)))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/stripe/webhooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    rec = Receiver()
    yield rec
    rec.close()


@pytest.fixture
def hooks(standin):
    """A stand-in reset with webhook endpoints cleared before and after the test."""
    standin.reset(everything=True)
    yield standin
    standin.reset(everything=True)


def test_events_arrive_signed_and_verify_with_construct_event(hooks, receiver):
    secret = hooks.register_webhook(receiver.url)
    assert secret.startswith("whsec_")
    hooks.link(NORTHWIND_DIGITAL)
    client = hooks.sdk()
    cust = client.v1.customers.list(params={"limit": 1}, options={"stripe_account": NORTHWIND_DIGITAL}).data[0]
    hooks.action("update_customer_email", account=NORTHWIND_DIGITAL, customer=cust.id, email="new@acme-rockets.com")
    wait_until(lambda: any(b"customer.updated" in body for body, _ in receiver.received), message="webhook")
    body, headers = next((b, h) for b, h in receiver.received if b"customer.updated" in b)
    event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], secret)
    assert event.type == "customer.updated" and event.account == NORTHWIND_DIGITAL
    assert event.data.object.email == "new@acme-rockets.com"
    assert event.data.previous_attributes.email == cust.email
    assert client.construct_event(body, headers["Stripe-Signature"], secret).id == event.id
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, headers["Stripe-Signature"], "whsec_forged")
    forged = headers["Stripe-Signature"].split(",v1=")[0] + ",v1=" + "0" * 64
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, forged, secret)


def test_webhook_endpoints_can_be_created_through_the_api(hooks, receiver):
    endpoint = hooks.sdk().v1.webhook_endpoints.create(
        params={"url": receiver.url, "enabled_events": ["invoice.paid"], "connect": True}
    )
    assert endpoint.secret.startswith("whsec_") and endpoint.object == "webhook_endpoint"
    hooks.link(NORTHWIND_DIGITAL)
    client = hooks.sdk()
    inv = client.v1.invoices.list(
        params={"status": "open", "limit": 1}, options={"stripe_account": NORTHWIND_DIGITAL}
    ).data[0]
    hooks.action("pay_invoice", account=NORTHWIND_DIGITAL, invoice=inv.id)
    wait_until(lambda: receiver.received, message="invoice.paid webhook")
    wait_until(lambda: all(d["status"] == "succeeded" for d in hooks.deliveries()), message="deliveries settled")
    types = [
        stripe.Webhook.construct_event(b, h["Stripe-Signature"], endpoint.secret).type for b, h in receiver.received
    ]
    assert types == ["invoice.paid"]  # only the enabled event type


def test_a_failed_delivery_is_retried_later(hooks):
    flaky = Receiver(fail_first=2)
    try:
        hooks.webhook_config(base_delay=0.05)
        secret = hooks.register_webhook(flaky.url, ["customer.updated"])
        hooks.link(NORTHWIND_DIGITAL)
        cust = hooks.sdk().v1.customers.list(params={"limit": 1}, options={"stripe_account": NORTHWIND_DIGITAL}).data[0]
        hooks.action("update_customer_email", account=NORTHWIND_DIGITAL, customer=cust.id, email="x@y.test")
        wait_until(lambda: flaky.received, message="the retried delivery")
        delivery = wait_until(
            lambda: next((d for d in hooks.deliveries() if d["status"] == "succeeded"), None), message="delivery log"
        )
        assert [a.get("status_code") for a in delivery["attempts"]] == [500, 500, 200]
        stripe.Webhook.construct_event(flaky.received[0][0], flaky.received[0][1]["Stripe-Signature"], secret)
    finally:
        flaky.close()


def test_a_dead_endpoint_gives_up_after_bounded_attempts(hooks):
    hooks.webhook_config(base_delay=0.01, max_attempts=3, timeout=1.0)
    hooks.register_webhook("http://127.0.0.1:9/nothing-listens-here", ["customer.updated"])
    hooks.link(NORTHWIND_DIGITAL)
    cust = hooks.sdk().v1.customers.list(params={"limit": 1}, options={"stripe_account": NORTHWIND_DIGITAL}).data[0]
    hooks.action("update_customer_email", account=NORTHWIND_DIGITAL, customer=cust.id, email="x@y.test")
    delivery = wait_until(
        lambda: next((d for d in hooks.deliveries() if d["status"] == "failed"), None), message="failed delivery"
    )
    assert len(delivery["attempts"]) == 3 and all("error" in a for a in delivery["attempts"])


def test_deauthorization_is_delivered_with_the_account_id(hooks, receiver):
    secret = hooks.register_webhook(receiver.url, ["account.application.deauthorized"])
    hooks.link(NORTHWIND_DIGITAL)
    hooks.action("deauthorize", account=NORTHWIND_DIGITAL)
    wait_until(lambda: receiver.received, message="deauthorized webhook")
    body, headers = receiver.received[0]
    event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], secret)
    assert event.type == "account.application.deauthorized" and event.account == NORTHWIND_DIGITAL


def test_events_of_accounts_not_connected_are_not_sent(hooks, receiver):
    hooks.register_webhook(receiver.url, ["customer.updated"])
    hooks.link(NORTHWIND_DIGITAL)
    assert {a["id"]: a for a in hooks.accounts()}[ELSEWHERE]["linked"] is False
    elsewhere_customer = hooks.objects(ELSEWHERE, "customers", limit=1)[0]
    hooks.action("update_customer_email", account=ELSEWHERE, customer=elsewhere_customer["id"], email="q@q.test")
    digital_customer = hooks.objects(NORTHWIND_DIGITAL, "customers", limit=1)[0]
    hooks.action("update_customer_email", account=NORTHWIND_DIGITAL, customer=digital_customer["id"], email="z@z.test")
    wait_until(lambda: receiver.received, message="webhook")
    assert [d["account"] for d in hooks.deliveries()] == [NORTHWIND_DIGITAL]
