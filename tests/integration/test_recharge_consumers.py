"""Fifty concurrent usage calls crossing the threshold, with two real consumers (`python -m app worker`) charging:
one recharge, one PaymentIntent, one credit. Their queue is the suite's (Redis in the PostgreSQL run), their
database the suite's, their Stripe the stand-in."""

from __future__ import annotations

import asyncio

import pytest

from app.credits import ledger, recharge, recharge_queue
from app.credits.tables import RechargeStatus
from tasks.credits_recharge import charge_recharge
from tests.integration.consumers_support import Consumers
from tests.integration.recharge_support import (
    RECHARGE_CREDITS,
    eventually,
    fx_agency,
    payment_intents,
    recharge_entries,
    recharges,
    recharging_client,
    spend,
)
from tests.plugins.standin import wait_until

__all__ = ["fx_agency"]

DEADLINE = 120
CALLS = 50
DUPLICATES = 4


@pytest.fixture(name="consumers")
def fx_consumers(tmp_path, stripe_standin, monkeypatch):
    """Two consumers on a private queue; after_usage's enqueue goes to it (the suite's own queue runs inline)."""
    consumers = Consumers(tmp_path, {}, deadline=DEADLINE)
    consumers.task_ids = []
    monkeypatch.setattr(
        recharge_queue.QUEUE, "charge", lambda rid: consumers.task_ids.append(consumers.enqueue(charge_recharge, rid))
    )
    for _ in range(2):
        consumers.start()
    wait_until(
        lambda: sum("consumer started" in log.read_text().lower() for log in consumers.log_dir.glob("*.log")) == 2,
        timeout=60,
        interval=0.1,
        message="both consumers to start",
    )
    yield consumers
    consumers.stop_all()


async def test_fifty_concurrent_usage_calls_with_two_consumers_start_one_recharge_and_one_payment(
    stripe_standin, agency, consumers
):
    setup = await recharging_client(stripe_standin, agency, balance=1500)

    async def use() -> None:
        await spend(setup, 20)
        await recharge.after_usage(setup.workspace_id, setup.client_id)

    await asyncio.gather(*(use() for _ in range(CALLS)))
    [row] = await recharges(setup)
    # The queue may deliver a task more than once, to either consumer: each rerun must find the same charge.
    duplicates = [consumers.enqueue(charge_recharge, row["id"]) for _ in range(DUPLICATES)]
    results = [consumers.queue.result(t, blocking=True, timeout=DEADLINE) for t in consumers.task_ids + duplicates]

    assert set(results) == {RechargeStatus.succeeded.value}, consumers.logs()
    await eventually(lambda: recharge_entries(setup), timeout=DEADLINE, message="the recharge's credit")
    assert len(consumers.task_ids) == 1, "one claim, one task"
    assert len(payment_intents(stripe_standin, setup)) == 1
    assert len(await recharge_entries(setup)) == 1
    assert len(await recharges(setup)) == 1
    assert await ledger.balance(setup.workspace_id, setup.client_id) == 1500 - CALLS * 20 + RECHARGE_CREDITS
