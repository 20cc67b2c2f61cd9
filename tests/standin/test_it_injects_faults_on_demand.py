"""Switchable faults: 429 rate limits with Stripe-Should-Retry, injected 500s, latency."""

from __future__ import annotations

import time

import httpx
import pytest
import stripe

from .helpers import NORTHWIND_DIGITAL


@pytest.fixture
def api(fresh_standin):
    fresh_standin.link(NORTHWIND_DIGITAL)
    yield fresh_standin
    fresh_standin.clear_faults()


_clients: dict[str, httpx.Client] = {}


def _get(standin, path: str) -> httpx.Response:
    """GET over one kept-alive connection, so bursts really are bursts."""
    client = _clients.get(standin.base_url)
    if client is None:
        client = _clients[standin.base_url] = httpx.Client(
            base_url=standin.base_url,
            headers={"Authorization": f"Bearer {standin.secret_key}", "Stripe-Account": NORTHWIND_DIGITAL},
        )
    return client.get(path)


def test_the_per_endpoint_rate_limit_answers_429_like_stripe(api):
    api.set_faults(rate_limit=True, endpoint_rps=3, account_rps=100)
    statuses = [_get(api, "/v1/customers?limit=1").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]
    limited = _get(api, "/v1/customers?limit=1")
    assert limited.status_code == 429
    assert limited.headers["Stripe-Should-Retry"] == "true"
    assert limited.json()["error"]["code"] == "rate_limit"
    assert _get(api, "/v1/invoices?limit=1").status_code == 200  # another endpoint has its own budget
    client = api.sdk(max_network_retries=0)
    with pytest.raises(stripe.RateLimitError):
        client.v1.customers.list(options={"stripe_account": NORTHWIND_DIGITAL})


def test_the_per_account_rate_limit_spans_endpoints(api):
    api.set_faults(rate_limit=True, account_rps=4, endpoint_rps=100)
    paths = ["/v1/customers", "/v1/invoices", "/v1/charges", "/v1/subscriptions", "/v1/events", "/v1/refunds"]
    statuses = [_get(api, p + "?limit=1").status_code for p in paths]
    assert statuses[:4] == [200] * 4 and statuses[4:] == [429, 429]


def test_rate_limiting_is_off_by_default_and_defaults_to_100_and_25(api):
    assert all(_get(api, "/v1/customers?limit=1").status_code == 200 for _ in range(30))
    snapshot = api.set_faults(rate_limit=True)
    assert snapshot["account_rps"] == 100 and snapshot["endpoint_rps"] == 25
    # 26 in one second trip the limit; asking 60 keeps that true on a slow machine too.
    statuses = [_get(api, "/v1/customers?limit=1").status_code for _ in range(60)]
    assert statuses.count(429) >= 1


def test_the_next_n_requests_fail_with_500(api):
    api.set_faults(fail_next=2, fail_path="/v1/invoices")
    assert _get(api, "/v1/customers?limit=1").status_code == 200  # path filter
    first, second, third = (_get(api, "/v1/invoices?limit=1") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (500, 500, 200)
    assert first.json()["error"]["type"] == "api_error"
    client = api.sdk(max_network_retries=0)
    api.set_faults(fail_next=1)
    with pytest.raises(stripe.APIError):
        client.v1.invoices.list(options={"stripe_account": NORTHWIND_DIGITAL})


def test_fail_next_minus_one_fails_every_matching_request_until_cleared(api):
    invoice = api.objects(NORTHWIND_DIGITAL, "invoices", limit=1)[0]["id"]
    api.set_faults(fail_next=-1, fail_path=f"/v1/invoices/{invoice}/lines", fail_status=400)
    statuses = [_get(api, f"/v1/invoices/{invoice}/lines?limit=1").status_code for _ in range(5)]
    assert statuses == [400] * 5
    assert _get(api, f"/v1/invoices/{invoice}").status_code == 200  # the invoice itself still answers
    assert api.faults()["injected_failures"] == 5
    api.clear_faults()
    assert _get(api, f"/v1/invoices/{invoice}/lines?limit=1").status_code == 200


@pytest.mark.parametrize(
    "status,error_class,code",
    [
        (400, stripe.InvalidRequestError, "parameter_invalid_empty"),
        (401, stripe.AuthenticationError, None),
        (402, stripe.CardError, "card_declined"),
        (403, stripe.PermissionError, "account_invalid"),
        (404, stripe.InvalidRequestError, "resource_missing"),
        (429, stripe.RateLimitError, "rate_limit"),
        (503, stripe.APIError, None),
    ],
)
def test_an_injected_status_speaks_stripes_error_for_it(api, status, error_class, code):
    api.set_faults(fail_next=1, fail_status=status)
    client = api.sdk(max_network_retries=0)
    with pytest.raises(error_class) as raised:
        client.v1.customers.list(options={"stripe_account": NORTHWIND_DIGITAL})
    error = raised.value.json_body["error"]
    assert raised.value.http_status == status and error.get("code") == code and error["type"]
    retryable = status >= 500 or status == 429
    assert raised.value.headers.get("Stripe-Should-Retry") == ("true" if retryable else "false")
    assert raised.value.headers.get("Retry-After") == ("1" if status == 429 else None)


def test_the_sdk_retries_through_an_injected_500(api):
    api.set_faults(fail_next=1)
    client = api.sdk(max_network_retries=2)
    assert client.v1.customers.list(params={"limit": 1}, options={"stripe_account": NORTHWIND_DIGITAL}).data


def test_failures_by_probability_are_reproducible_with_a_seed(api):
    def run():
        api.set_faults(fail_probability=0.5, fail_seed=7)
        return [_get(api, "/v1/customers?limit=1").status_code for _ in range(20)]

    first, second = run(), run()
    assert first == second and 500 in first and 200 in first


def test_latency_is_added_to_each_request(api):
    api.set_faults(latency_ms=150)
    started = time.monotonic()
    assert _get(api, "/v1/customers?limit=1").status_code == 200
    assert time.monotonic() - started >= 0.15
    api.clear_faults()
    assert api.faults()["latency_ms"] == 0
