"""Stripe-Account scoping: each connected account sees only its own objects."""

from __future__ import annotations

import pytest
import stripe

from .helpers import ELSEWHERE, NORTHWIND_DIGITAL, NORTHWIND_LABS


def test_each_connected_account_sees_only_its_own_customers(fresh_standin):
    fresh_standin.link(NORTHWIND_DIGITAL)
    fresh_standin.link(NORTHWIND_LABS)
    client = fresh_standin.sdk()
    digital = client.v1.customers.list(params={"limit": 100}, options={"stripe_account": NORTHWIND_DIGITAL})
    labs = client.v1.customers.list(params={"limit": 100}, options={"stripe_account": NORTHWIND_LABS})
    assert digital.data and labs.data
    assert not {c.id for c in digital.data} & {c.id for c in labs.data}
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.customers.retrieve(labs.data[0].id, options={"stripe_account": NORTHWIND_DIGITAL})
    assert info.value.http_status == 404


def test_the_account_endpoint_answers_for_the_connected_account(fresh_standin):
    fresh_standin.link(NORTHWIND_LABS)
    client = fresh_standin.sdk()
    account = client.v1.accounts.retrieve_current(options={"stripe_account": NORTHWIND_LABS})
    assert account.id == NORTHWIND_LABS
    assert account.settings.dashboard.display_name == "Northwind Labs Ltd"
    assert client.v1.accounts.retrieve(NORTHWIND_LABS).business_profile.name == "Northwind Labs Ltd"


def test_an_account_not_connected_to_the_platform_is_403(fresh_standin):
    client = fresh_standin.sdk()
    for account in (ELSEWHERE, "acct_1DoesNotExist"):
        with pytest.raises(stripe.PermissionError) as info:
            client.v1.customers.list(options={"stripe_account": account})
        assert info.value.http_status == 403
        assert "does not have access to account" in str(info.value)
        assert info.value.json_body["error"]["code"] == "account_invalid"


def test_the_oauth_access_token_works_as_the_accounts_own_key(fresh_standin):
    token = fresh_standin.link(NORTHWIND_LABS)["access_token"]
    own = fresh_standin.sdk(token)
    assert own.v1.accounts.retrieve_current().id == NORTHWIND_LABS
    with pytest.raises(stripe.PermissionError):
        own.v1.customers.list(options={"stripe_account": NORTHWIND_DIGITAL})
