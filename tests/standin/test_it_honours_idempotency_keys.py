"""Idempotency-Key on POSTs: replay on same params, idempotency_error on different ones."""

from __future__ import annotations

import pytest
import stripe

from .helpers import NORTHWIND_DIGITAL


def test_the_same_key_and_params_replay_the_first_response(fresh_standin):
    fresh_standin.link(NORTHWIND_DIGITAL)
    client = fresh_standin.sdk()
    opts = {"stripe_account": NORTHWIND_DIGITAL, "idempotency_key": "key-1"}
    first = client.v1.customers.create(params={"email": "once@example.com"}, options=opts)
    again = client.v1.customers.create(params={"email": "once@example.com"}, options=opts)
    assert first.id == again.id
    matches = client.v1.customers.list(
        params={"email": "once@example.com"}, options={"stripe_account": NORTHWIND_DIGITAL}
    )
    assert len(matches.data) == 1
    replayed = [r for r in fresh_standin.requests() if r["idempotency_key"] == "key-1"]
    assert len(replayed) == 2


def test_the_same_key_with_different_params_is_an_idempotency_error(fresh_standin):
    fresh_standin.link(NORTHWIND_DIGITAL)
    client = fresh_standin.sdk()
    opts = {"stripe_account": NORTHWIND_DIGITAL, "idempotency_key": "key-2"}
    client.v1.customers.create(params={"email": "a@example.com"}, options=opts)
    with pytest.raises(stripe.IdempotencyError) as info:
        client.v1.customers.create(params={"email": "b@example.com"}, options=opts)
    assert info.value.http_status == 400


def test_without_a_key_each_post_creates_a_new_object(fresh_standin):
    fresh_standin.link(NORTHWIND_DIGITAL)
    client = fresh_standin.sdk()
    opts = {"stripe_account": NORTHWIND_DIGITAL}
    one = client.v1.customers.create(params={"email": "twice@example.com"}, options=opts)
    two = client.v1.customers.create(params={"email": "twice@example.com"}, options=opts)
    assert one.id != two.id
