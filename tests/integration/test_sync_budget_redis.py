"""The Redis-backed budget paces like the local one, holds on a 429, and keeps its keys under its own prefix."""

from __future__ import annotations

import os
import secrets

import pytest
import redis

from app.stripe_data.budget import HEADROOM, RedisBudget

REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


@pytest.fixture(name="budget")
def fx_budget():
    prefix = f"test-budget-{secrets.token_hex(4)}"
    yield RedisBudget(REDIS_URL, per_second=25, per_endpoint=10, prefix=prefix)
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


def test_the_first_request_goes_at_once_and_the_next_waits_its_turn(budget):
    assert budget.try_acquire("acct_a", "/v1/invoices") == 0
    wait = budget.try_acquire("acct_a", "/v1/invoices")
    assert 0 < wait <= 1 / (10 * HEADROOM[1]), "evenly spaced on the endpoint"
    assert budget.try_acquire("acct_b", "/v1/invoices") == 0, "accounts have their own buckets"


def test_a_hold_stops_every_endpoint_of_the_account_for_its_length(budget):
    budget.hold("acct_a", 5.0)
    assert budget.try_acquire("acct_a", "/v1/customers") == pytest.approx(5.0, abs=0.5)
    assert budget.try_acquire("acct_a", "/v1/charges") == pytest.approx(5.0, abs=0.5)


def test_its_keys_live_under_its_prefix(budget):
    budget.try_acquire("acct_a", "/v1/invoices")
    keys = {key.decode() for key in redis.Redis.from_url(REDIS_URL).scan_iter(match=f"{budget.prefix}*")}
    assert keys == {f"{budget.prefix}:acct_a", f"{budget.prefix}:acct_a:/v1/invoices"}
