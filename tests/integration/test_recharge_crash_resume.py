"""A consumer killed between Stripe's charge and the credit loses nothing and doubles nothing on the rerun; the
payment_intent.succeeded webhook converges on the same ledger entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from app.core.timeutil import utcnow
from app.credits import ledger, recharge, recharge_charge
from app.credits.tables import RechargeStatus
from tasks.credits_recharge import charge_recharge, resume_stalled_recharges
from tests.integration.auto_billing_support import as_connect_endpoint, deliver
from tests.integration.recharge_support import (
    RECHARGE_CREDITS,
    fx_agency,
    fx_dispatched,
    payment_intents,
    recharge_entries,
    recharges,
    recharging_client,
)

__all__ = ["fx_agency", "fx_dispatched"]


class Killed(BaseException):
    """The consumer dying: not an Exception, so nothing on the way up handles it."""


@pytest.fixture(name="killed_before_crediting")
def fx_killed_before_crediting(monkeypatch):
    """The next charge dies right after Stripe answered, before anything is credited."""

    async def die(row, intent):
        monkeypatch.undo()
        raise Killed

    monkeypatch.setattr(recharge_charge, "_credit", die)


async def _charged_but_not_credited(standin, agency, dispatched, killed_before_crediting):
    setup = await recharging_client(standin, agency, balance=900)
    await recharge.after_usage(setup.workspace_id, setup.client_id)
    with pytest.raises(Killed):
        charge_recharge.call_local(dispatched.ids[0])
    [row] = await recharges(setup)
    [intent] = payment_intents(standin, setup)
    assert intent["status"] == "succeeded", "Stripe charged the card"
    assert row["status"] == RechargeStatus.charging.value and await recharge_entries(setup) == []
    return setup, row, intent


async def test_rerunning_the_task_after_a_crash_gets_the_same_payment_intent_and_credits_once(
    stripe_standin, agency, dispatched, killed_before_crediting
):
    setup, row, intent = await _charged_but_not_credited(stripe_standin, agency, dispatched, killed_before_crediting)

    assert charge_recharge.call_local(row["id"]) == RechargeStatus.succeeded.value
    charge_recharge.call_local(row["id"])

    assert [i["id"] for i in payment_intents(stripe_standin, setup)] == [intent["id"]]
    [entry] = await recharge_entries(setup)
    assert entry["dedupe_key"] == f"pi:{intent['id']}"
    assert await ledger.balance(setup.workspace_id, setup.client_id) == 900 + RECHARGE_CREDITS
    [finished] = await recharges(setup)
    assert finished["status"] == RechargeStatus.succeeded.value and finished["in_flight"] is None


async def test_the_sweep_resumes_a_recharge_whose_consumer_died(
    stripe_standin, agency, dispatched, killed_before_crediting
):
    setup, _row, intent = await _charged_but_not_credited(stripe_standin, agency, dispatched, killed_before_crediting)
    assert resume_stalled_recharges.call_local() == 0, "a recharge that is still fresh is left to its consumer"

    with time_machine.travel(utcnow() + recharge.STALL_AFTER + timedelta(seconds=1), tick=False):
        resumed = resume_stalled_recharges.call_local()  # the rerun runs inline in the tests' immediate queue

    assert resumed == 1
    assert [i["id"] for i in payment_intents(stripe_standin, setup)] == [intent["id"]]
    assert len(await recharge_entries(setup)) == 1
    assert await ledger.balance(setup.workspace_id, setup.client_id) == 900 + RECHARGE_CREDITS


def _succeeded_event(standin, setup, intent_id: str) -> dict:
    events = standin.sdk().v1.events.list(params={"limit": 100}, options={"stripe_account": setup.account_id}).data
    [event] = [e.to_dict() for e in events if e.type == "payment_intent.succeeded" and e.data.object["id"] == intent_id]
    return as_connect_endpoint(event, setup.account_id)


async def test_the_webhook_credits_a_recharge_whose_consumer_died_and_the_rerun_does_not_add_to_it(
    stripe_standin, agency, dispatched, killed_before_crediting, client
):
    setup, row, intent = await _charged_but_not_credited(stripe_standin, agency, dispatched, killed_before_crediting)
    event = _succeeded_event(stripe_standin, setup, intent["id"])

    await deliver(client, event)
    await deliver(client, {**event, "id": event["id"] + "_again"})  # Stripe may deliver one fact twice
    charge_recharge.call_local(row["id"])

    assert len(await recharge_entries(setup)) == 1
    assert await ledger.balance(setup.workspace_id, setup.client_id) == 900 + RECHARGE_CREDITS
    [finished] = await recharges(setup)
    assert finished["status"] == RechargeStatus.succeeded.value


async def test_the_webhook_of_a_recharge_asks_stripe_for_its_payment_intent_once(
    stripe_standin, agency, dispatched, killed_before_crediting, client
):
    setup, _row, intent = await _charged_but_not_credited(stripe_standin, agency, dispatched, killed_before_crediting)
    event = _succeeded_event(stripe_standin, setup, intent["id"])
    stripe_standin.clear_requests()

    await deliver(client, event)

    reads = [r for r in stripe_standin.requests(method="GET") if r["path"] == f"/v1/payment_intents/{intent['id']}"]
    assert len(reads) == 1 and len(await recharge_entries(setup)) == 1


async def test_a_webhook_from_another_account_credits_nothing(
    stripe_standin, agency, dispatched, killed_before_crediting, client
):
    setup, _row, intent = await _charged_but_not_credited(stripe_standin, agency, dispatched, killed_before_crediting)
    event = _succeeded_event(stripe_standin, setup, intent["id"])

    await deliver(client, {**event, "account": "acct_1ElsewhereTrading"})

    assert await recharge_entries(setup) == []
