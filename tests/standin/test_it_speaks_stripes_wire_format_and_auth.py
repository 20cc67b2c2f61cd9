"""Form-encoded params, Bearer auth, Stripe's error JSON, expansion."""

from __future__ import annotations

import httpx
import pytest
import stripe

from .helpers import NORTHWIND_DIGITAL, linked_sdk


def test_a_request_without_a_key_is_401_with_stripes_error_json(fresh_standin):
    resp = httpx.get(f"{fresh_standin.base_url}/v1/customers")
    assert resp.status_code == 401
    assert resp.json()["error"]["type"] == "invalid_request_error"
    assert "API key" in resp.json()["error"]["message"]


def test_a_wrong_key_is_an_authentication_error_in_the_sdk(fresh_standin):
    with pytest.raises(stripe.AuthenticationError):
        fresh_standin.sdk("sk_test_wrong").v1.customers.list()


def test_the_platform_key_reads_its_own_account(fresh_standin):
    account = fresh_standin.sdk().v1.accounts.retrieve_current()
    assert account.object == "account" and account.id.startswith("acct_")


def test_unknown_objects_are_404_resource_missing(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.invoices.retrieve("in_doesnotexist", options=opts)
    assert info.value.http_status == 404
    assert info.value.code == "resource_missing"


def test_unknown_parameters_are_rejected_like_stripe(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.customers.list(params={"colour": "blue"}, options=opts)  # type: ignore[typeddict-unknown-key]
    assert info.value.param == "colour"


def test_nested_form_params_work_with_brackets_and_indexes(fresh_standin):
    fresh_standin.link(NORTHWIND_DIGITAL)
    headers = {"Authorization": f"Bearer {fresh_standin.secret_key}", "Stripe-Account": NORTHWIND_DIGITAL}
    resp = httpx.post(
        f"{fresh_standin.base_url}/v1/customers",
        headers=headers,
        data={"email": "new@example.com", "metadata[source]": "test", "metadata[tier]": "gold"},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["metadata"] == {"source": "test", "tier": "gold"}
    listed = httpx.get(f"{fresh_standin.base_url}/v1/invoices?limit=1&expand[]=data.customer", headers=headers)
    assert isinstance(listed.json()["data"][0]["customer"], dict)


def test_expand_replaces_ids_with_objects(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    invoices = client.v1.invoices.list(
        params={
            "limit": 5,
            "expand": ["data.customer", "data.parent.subscription_details.subscription"],
            "status": "paid",
        },
        options=opts,
    )
    first = invoices.data[0]
    assert first.customer.object == "customer"
    subs = client.v1.subscriptions.list(params={"limit": 3, "expand": ["data.latest_invoice"]}, options=opts)
    assert subs.data[0].latest_invoice.object == "invoice"
    one = client.v1.subscriptions.retrieve(
        subs.data[0].id, params={"expand": ["customer", "latest_invoice"]}, options=opts
    )
    assert one.customer.object == "customer"


def test_a_property_that_cannot_be_expanded_is_400(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.customers.list(params={"expand": ["data.nonsense"]}, options=opts)
    assert "cannot be expanded" in str(info.value)


def test_an_unknown_url_is_404_json(fresh_standin):
    resp = httpx.get(
        f"{fresh_standin.base_url}/v1/nothing_here", headers={"Authorization": f"Bearer {fresh_standin.secret_key}"}
    )
    assert resp.status_code == 404
    assert "Unrecognized request URL" in resp.json()["error"]["message"]


def test_every_request_is_logged_with_method_path_and_account(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    client.v1.customers.list(params={"limit": 3}, options=opts)
    log = fresh_standin.requests()
    assert any(
        r["method"] == "GET"
        and r["path"] == "/v1/customers"
        and r["account"] == NORTHWIND_DIGITAL
        and r["status"] == 200
        and "limit=3" in r["query"]
        for r in log
    )
    fresh_standin.clear_requests()
    assert fresh_standin.requests() == []
