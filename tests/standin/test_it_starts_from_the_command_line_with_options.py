"""CLI options and environment: keys, fixed clock, a pre-registered webhook, pre-linked accounts."""

from __future__ import annotations

import httpx
import pytest

from tests.plugins.standin import start_standin, stop_standin

from .helpers import NORTHWIND_LABS

NOW = 1_760_000_000


@pytest.fixture(scope="module")
def custom():
    server = start_standin(
        seed=5,
        scale="small",
        env={"STANDIN_SECRET_KEY": "sk_test_custom", "STANDIN_CLIENT_ID": "ca_custom", "STANDIN_NOW": str(NOW)},
        extra_args=[
            "--webhook-url",
            "http://127.0.0.1:9/hooks",
            "--webhook-secret",
            "whsec_fixed",
            "--platform-webhook-url",
            "http://127.0.0.1:9/platform-hooks",
            "--link",
            NORTHWIND_LABS,
            "--webhook-duplicates",
            "0.5",
            "--webhook-shuffle",
            "0.2",
        ],
    )
    yield server
    stop_standin(server)


def test_keys_come_from_the_environment(custom):
    assert custom.secret_key == "sk_test_custom" and custom.client_id == "ca_custom"
    assert custom.sdk().v1.customers.list(options={"stripe_account": NORTHWIND_LABS}).data
    resp = httpx.get(
        f"{custom.base_url}/oauth/authorize",
        params={
            "client_id": "ca_custom",
            "response_type": "code",
            "scope": "read_write",
            "redirect_uri": "http://127.0.0.1/cb",
        },
    )
    assert resp.status_code == 200


def test_the_clock_and_data_follow_standin_now(custom):
    customers = custom.objects("acct_1NorthwindDigital", "customers")
    assert len(customers) == 10
    assert max(c["created"] for c in customers) <= NOW
    assert httpx.get(f"{custom.base_url}/_standin/clock").json() == {"now": NOW, "fixed": True}


def test_the_webhook_endpoints_from_the_command_line_are_registered_and_survive_reset(custom):
    custom.reset(seed=5, scale="small", everything=True)
    endpoints = httpx.get(f"{custom.base_url}/_standin/webhooks/deliveries").json()["endpoints"]
    assert [e["url"] for e in endpoints] == ["http://127.0.0.1:9/hooks", "http://127.0.0.1:9/platform-hooks"]


def test_platform_events_go_to_the_platform_endpoint_and_connect_events_to_the_connect_one(custom):
    custom.reset(seed=5, scale="small", everything=True)
    custom.webhook_config(max_attempts=1, timeout=0.5)
    sdk = custom.sdk()
    session = sdk.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "line_items": [{"price": "price_ClientPulseProMonthly", "quantity": 1}],
            "customer_email": "o@agency.test",
            "success_url": "http://127.0.0.1:9/done",
        }
    )
    custom.action("pay_checkout_session", session=session.id)
    account = sdk.v1.accounts.create(params={"type": "express", "email": "o@agency.test"})
    custom.action("onboard", account=account.id, outcome="finish")
    urls = {d["type"]: d["url"] for d in custom.deliveries()}
    assert urls["checkout.session.completed"] == "http://127.0.0.1:9/platform-hooks"
    assert urls["account.updated"] == "http://127.0.0.1:9/hooks"


def test_webhook_duplicates_and_shuffling_come_from_the_command_line_and_survive_reset_all(custom):
    settings = custom.webhook_config()
    assert settings["duplicate_probability"] == 0.5 and settings["shuffle_window"] == 0.2
    custom.webhook_config(duplicate_probability=0)
    custom.reset(everything=True)
    assert custom.webhook_config()["duplicate_probability"] == 0.5
