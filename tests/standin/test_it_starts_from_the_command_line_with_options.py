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
            "--link",
            NORTHWIND_LABS,
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


def test_the_webhook_endpoint_from_the_command_line_is_registered_and_survives_reset(custom):
    custom.reset(seed=5, scale="small", everything=True)
    endpoints = httpx.get(f"{custom.base_url}/_standin/webhooks/deliveries").json()["endpoints"]
    assert [e["url"] for e in endpoints] == ["http://127.0.0.1:9/hooks"]
