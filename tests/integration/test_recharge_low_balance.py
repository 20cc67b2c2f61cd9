"""The low-balance email: at most one a day per client, only when no recharge will come (off or paused)."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from app.core.timeutil import utcnow
from app.credits import recharge
from tests.integration.recharge_support import (
    CLIENT_EMAIL,
    INSUFFICIENT_FUNDS,
    fx_agency,
    outbox,
    recharging_client,
    spend,
)

__all__ = ["fx_agency"]


async def test_with_auto_recharge_off_the_client_is_warned_at_most_once_a_day(stripe_standin, agency):
    setup = await recharging_client(stripe_standin, agency, balance=1500, enabled=False)
    await spend(setup, 600)
    start = utcnow()

    for _ in range(5):
        await recharge.after_usage(setup.workspace_id, setup.client_id)
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        await recharge.after_usage(setup.workspace_id, setup.client_id)
    assert len(await outbox("low_balance")) == 1
    with time_machine.travel(start + recharge.LOW_BALANCE_EMAIL_EVERY + timedelta(minutes=1), tick=False):
        await recharge.after_usage(setup.workspace_id, setup.client_id)

    first, second = await outbox("low_balance")
    assert first.to_address == second.to_address == CLIENT_EMAIL
    assert "900 credits" in first.text_body and "off" in first.text_body
    assert "Alice Agency" in first.subject and "clientpulse" not in (first.subject + first.html_body).lower()


async def test_above_the_threshold_no_warning_goes(stripe_standin, agency):
    setup = await recharging_client(stripe_standin, agency, balance=1500, enabled=False)

    await recharge.after_usage(setup.workspace_id, setup.client_id)

    assert await outbox("low_balance") == []


async def test_while_auto_recharge_runs_no_warning_goes(stripe_standin, agency):
    setup = await recharging_client(stripe_standin, agency, balance=900)

    await recharge.after_usage(setup.workspace_id, setup.client_id)

    assert await outbox("low_balance") == []


async def test_while_auto_recharge_is_paused_by_a_decline_the_warning_says_so(stripe_standin, agency):
    setup = await recharging_client(stripe_standin, agency, card=INSUFFICIENT_FUNDS, balance=900)
    await recharge.after_usage(setup.workspace_id, setup.client_id)  # declined: paused

    await recharge.after_usage(setup.workspace_id, setup.client_id)
    await recharge.after_usage(setup.workspace_id, setup.client_id)

    [warning] = await outbox("low_balance")
    assert "paused" in warning.text_body and "insufficient funds" in warning.text_body
