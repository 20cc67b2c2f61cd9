"""The Redis-backed budget counts like the local one, across processes, holds on a 429, and keeps its keys under its
own prefix."""

from __future__ import annotations

import os
import secrets
import threading
import time

import pytest
import redis

from app.stripe_data.budget import IN_FLIGHT, WINDOW, RedisBudget

REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


@pytest.fixture(name="prefix")
def fx_prefix():
    prefix = f"test-budget-{secrets.token_hex(4)}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


@pytest.fixture(name="budget")
def fx_budget(prefix):
    return RedisBudget(REDIS_URL, per_second=25, per_endpoint=10, prefix=prefix)


def test_requests_count_while_in_flight_and_for_the_window_once_answered(budget):
    for _ in range(10):
        budget.acquire("acct_a", "/v1/invoices")
    other = RedisBudget(REDIS_URL, per_second=25, per_endpoint=10, prefix=budget.prefix)  # another consumer
    wait = other.try_acquire("acct_a", "/v1/invoices")
    assert WINDOW < wait <= IN_FLIGHT, "ten in flight: the eleventh waits for answers"
    for _ in range(10):
        budget.answered("acct_a", "/v1/invoices", arrived_before=1.0)
    wait = other.try_acquire("acct_a", "/v1/invoices")
    assert 0 < wait <= WINDOW, "answered: the first counts until WINDOW after it was sent"
    logged = redis.Redis.from_url(REDIS_URL).zcard(f"{budget.prefix}:acct_a")
    assert logged == 10, "the refused tries took nothing from the account"
    assert budget.try_acquire("acct_b", "/v1/invoices") == 0, "accounts have their own logs"


def test_an_answer_late_by_a_stall_keeps_its_request_counting_a_second_after_it(prefix):
    budget = RedisBudget(REDIS_URL, per_second=25, per_endpoint=1, prefix=prefix)
    budget.acquire("acct_a", "/v1/refunds")
    time.sleep(WINDOW)  # the stall: the request may have arrived just now
    budget.answered("acct_a", "/v1/refunds", arrived_before=0)
    assert budget.try_acquire("acct_a", "/v1/refunds") == pytest.approx(1.0, abs=0.1)


def test_two_consumers_sharing_it_never_send_more_than_the_rate_in_any_second(prefix):
    # Each thread has its own client and connection, as two processes would. A send noted between the budget's yes
    # and the answer is as good as an arrival: no six of them may share a second.
    sent: list[float] = []

    def consume() -> None:
        budget = RedisBudget(REDIS_URL, per_second=25, per_endpoint=5, prefix=prefix)
        for _ in range(8):
            budget.acquire("acct_a", "/v1/invoices")
            sent.append(time.monotonic())
            budget.answered("acct_a", "/v1/invoices", arrived_before=0)

    threads = [threading.Thread(target=consume) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent.sort()
    busiest = max(sum(1 for t in sent if start <= t < start + 1) for start in sent)
    assert busiest == 5, "five per second between them, and all five were used"


def test_a_hold_stops_every_endpoint_of_the_account_for_its_length(budget):
    budget.hold("acct_a", 5.0)
    assert budget.try_acquire("acct_a", "/v1/customers") == pytest.approx(5.0, abs=0.5)
    assert budget.try_acquire("acct_a", "/v1/charges") == pytest.approx(5.0, abs=0.5)
    assert budget.try_acquire("acct_b", "/v1/charges") == 0


def test_its_keys_live_under_its_prefix_and_expire(budget):
    budget.try_acquire("acct_a", "/v1/invoices")
    client = redis.Redis.from_url(REDIS_URL)
    keys = {key.decode() for key in client.scan_iter(match=f"{budget.prefix}*")}
    logs = {f"{budget.prefix}:acct_a", f"{budget.prefix}:acct_a:/v1/invoices"}
    assert keys == {f"{key}{part}" for key in logs for part in ("", ":f", ":s")}
    assert all(0 < client.pttl(key) <= 60_000 for key in keys)
