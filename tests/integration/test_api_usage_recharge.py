"""The usage API with auto-recharge on, against the stand-in: crossing the threshold recharges once, and usage past
the balance is covered by a recharge first instead of refused."""

from __future__ import annotations

import asyncio

from app.api import tokens
from app.credits import ledger, recharge_charge, recharge_queue
from tests.integration.recharge_support import (
    RECHARGE_CREDITS,
    THRESHOLD,
    eventually,
    fx_agency,
    payment_intents,
    recharge_entries,
    recharges,
    recharging_client,
)
from tests.integration.usage_support import concurrent_client, spend

__all__ = ["fx_agency"]


async def test_fifty_concurrent_api_calls_crossing_the_threshold_recharge_once(
    app, stripe_standin, agency, monkeypatch
):
    setup = await recharging_client(stripe_standin, agency, balance=1500)
    secret = (await tokens.create_token(agency.actor, "Metering")).secret
    # The suite's queue runs a task inline, blocking this event loop while other calls on it hold transactions the
    # charge's credit must wait for: keep the claims' charges instead, and run them after the burst.
    claimed: list[int] = []
    monkeypatch.setattr(recharge_queue.QUEUE, "charge", claimed.append)

    async with concurrent_client(app) as http:
        responses = await asyncio.gather(*(spend(http, secret, setup.client_id, 20, f"burst-{n}") for n in range(50)))
    assert {response.status_code for response in responses} == {201}
    assert len(claimed) == 1, "one claim, one charge"
    await recharge_charge.run(claimed[0])

    await eventually(lambda: recharge_entries(setup), message="the recharge's credit")
    assert len(await recharges(setup)) == 1 and len(await recharge_entries(setup)) == 1
    assert len(payment_intents(stripe_standin, setup)) == 1
    balance = await ledger.balance(setup.workspace_id, setup.client_id)
    assert (
        balance == 1500 - 50 * 20 + RECHARGE_CREDITS == await ledger.ledger_balance(setup.workspace_id, setup.client_id)
    )


async def test_usage_past_the_balance_is_recorded_after_a_recharge_covers_it(client, stripe_standin, agency):
    setup = await recharging_client(stripe_standin, agency, balance=THRESHOLD + 100)
    secret = (await tokens.create_token(agency.actor, "Metering")).secret

    response = await spend(client, secret, setup.client_id, THRESHOLD + 500, "big-job")

    assert response.status_code == 201, response.text
    assert response.json()["balance_after"] == THRESHOLD + 100 + RECHARGE_CREDITS - (THRESHOLD + 500)
    assert len(await recharges(setup)) == 1 and len(await recharge_entries(setup)) == 1
