"""Auto-recharge charges the saved card once, off-session, on the agency's account, and credits once."""

from __future__ import annotations

import asyncio

import pytest

from app.core.errors import NotFound
from app.credits import ledger, recharge
from app.credits.recharge_charge import _create_payment_intent, idempotency_key
from app.credits.tables import RechargeStatus
from tasks.credits_recharge import charge_recharge
from tests.integration.recharge_support import (
    RECHARGE_CREDITS,
    THRESHOLD,
    fx_agency,
    fx_dispatched,
    payment_intents,
    recharge_entries,
    recharges,
    recharging_client,
    spend,
)

__all__ = ["fx_agency", "fx_dispatched"]


async def test_falling_below_the_threshold_charges_the_saved_card_and_credits_the_pack(stripe_standin, agency):
    setup = await recharging_client(stripe_standin, agency, balance=1500)
    await spend(setup, 600)  # 900 left, below 1,000

    await recharge.after_usage(setup.workspace_id, setup.client_id)

    [row] = await recharges(setup)
    [intent] = payment_intents(stripe_standin, setup)
    assert row["status"] == RechargeStatus.succeeded.value and row["in_flight"] is None
    assert row["payment_intent_id"] == intent["id"] and intent["status"] == "succeeded"
    assert (intent["amount"], intent["application_fee_amount"]) == (1000, 250)  # $10; 0.001 × 2,500 credits
    assert (intent["customer"], intent["payment_method"]) == (setup.customer_id, setup.payment_method_id)
    assert intent["metadata"] == {
        "clientpulse_kind": "auto_recharge",
        "clientpulse_workspace": str(setup.workspace_id),
        "clientpulse_client": str(setup.client_id),
        "clientpulse_credits": str(RECHARGE_CREDITS),
        "clientpulse_final_price": "0.004",
        "clientpulse_platform_price": "0.001",
        "clientpulse_cost_per_credit": "0.003",
        "clientpulse_recharge": str(row["id"]),
    }
    [entry] = await recharge_entries(setup)
    assert (entry["credits"], entry["dedupe_key"], entry["final_price_per_credit"]) == (
        RECHARGE_CREDITS,
        f"pi:{intent['id']}",
        "0.004",
    )
    assert (entry["amount_minor"], entry["application_fee_minor"]) == (1000, 250)
    assert await ledger.balance(setup.workspace_id, setup.client_id) == 900 + RECHARGE_CREDITS


async def test_the_charge_is_sent_with_the_recharge_id_as_stripes_idempotency_key(stripe_standin, agency):
    setup = await recharging_client(stripe_standin, agency, balance=900)
    await recharge.after_usage(setup.workspace_id, setup.client_id)
    [row] = await recharges(setup)

    # The same request again, as a rerun sends it: Stripe answers with the first PaymentIntent, charges nothing more.
    replayed = _create_payment_intent(row)

    assert idempotency_key(row["id"]) == f"clientpulse-recharge-{row['id']}"
    assert replayed["id"] == row["payment_intent_id"]
    assert len(payment_intents(stripe_standin, setup)) == 1
    [request, replay] = [
        r for r in stripe_standin.requests() if r["method"] == "POST" and r["path"] == "/v1/payment_intents"
    ]
    assert request["account"] == replay["account"] == setup.account_id


async def test_above_the_threshold_nothing_is_charged(stripe_standin, agency):
    setup = await recharging_client(stripe_standin, agency, balance=THRESHOLD)

    await recharge.after_usage(setup.workspace_id, setup.client_id)

    assert await recharges(setup) == [] and payment_intents(stripe_standin, setup) == []


async def test_with_auto_recharge_off_nothing_is_charged(stripe_standin, agency):
    setup = await recharging_client(stripe_standin, agency, balance=10, enabled=False)

    await recharge.after_usage(setup.workspace_id, setup.client_id)
    funded = await recharge.ensure_funds(setup.workspace_id, setup.client_id, 500)

    assert not funded
    assert await recharges(setup) == [] and payment_intents(stripe_standin, setup) == []


async def test_fifty_concurrent_calls_below_the_threshold_claim_one_recharge(stripe_standin, agency, dispatched):
    setup = await recharging_client(stripe_standin, agency, balance=900)

    await asyncio.gather(*(recharge.after_usage(setup.workspace_id, setup.client_id) for _ in range(50)))
    [row] = await recharges(setup)
    assert dispatched.ids == [row["id"]]
    for _ in range(3):  # the queue delivering the task more than once changes nothing
        charge_recharge.call_local(row["id"])

    assert len(payment_intents(stripe_standin, setup)) == 1
    assert len(await recharge_entries(setup)) == 1
    assert await ledger.balance(setup.workspace_id, setup.client_id) == 900 + RECHARGE_CREDITS


async def test_the_credits_follow_the_price_in_force_when_the_recharge_was_claimed(stripe_standin, agency, dispatched):
    from app.credit_pricing.services import set_cost_per_credit

    setup = await recharging_client(stripe_standin, agency, balance=900)
    await recharge.after_usage(setup.workspace_id, setup.client_id)
    await set_cost_per_credit(agency.actor, "0.009")  # changed while the charge waits in the queue

    charge_recharge.call_local(dispatched.ids[0])

    [entry] = await recharge_entries(setup)
    assert (entry["credits"], entry["final_price_per_credit"]) == (RECHARGE_CREDITS, "0.004")


async def test_a_second_recharge_starts_only_once_the_first_has_finished(stripe_standin, agency, dispatched):
    setup = await recharging_client(stripe_standin, agency, balance=900)
    await recharge.after_usage(setup.workspace_id, setup.client_id)
    await recharge.after_usage(setup.workspace_id, setup.client_id)
    assert len(dispatched.ids) == 1

    charge_recharge.call_local(dispatched.ids[0])
    await spend(setup, 900 + RECHARGE_CREDITS - 10)
    await recharge.after_usage(setup.workspace_id, setup.client_id)

    assert len(dispatched.ids) == 2 and dispatched.ids[0] != dispatched.ids[1]


async def test_ensure_funds_recharges_inline_before_usage_would_go_below_zero(stripe_standin, agency):
    setup = await recharging_client(stripe_standin, agency, balance=1200)  # above the threshold, short of 2,000

    assert await recharge.ensure_funds(setup.workspace_id, setup.client_id, 2000)

    assert await ledger.balance(setup.workspace_id, setup.client_id) == 1200 + RECHARGE_CREDITS
    assert len(payment_intents(stripe_standin, setup)) == 1


async def test_ensure_funds_is_false_when_one_recharge_is_not_enough(stripe_standin, agency):
    setup = await recharging_client(stripe_standin, agency, balance=100)

    assert not await recharge.ensure_funds(setup.workspace_id, setup.client_id, 10_000)

    assert await ledger.balance(setup.workspace_id, setup.client_id) == 100 + RECHARGE_CREDITS


async def test_another_workspaces_client_reads_as_not_found(stripe_standin, agency, charlie):
    setup = await recharging_client(stripe_standin, agency, balance=900)

    with pytest.raises(NotFound):
        await recharge.after_usage(charlie.workspace.id, setup.client_id)
    with pytest.raises(NotFound):
        await recharge.ensure_funds(charlie.workspace.id, setup.client_id, 10)
    assert await recharges(setup) == []
