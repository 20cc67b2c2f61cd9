"""Refunds in Stripe take back the credits they paid for: all of them for a full refund, pro rata without drift for
partial ones, once per refund however often its events come, and below zero (flagged) when the credits were spent."""

from __future__ import annotations

from app.credits import ledger
from app.credits.refunds import credits_refunded
from app.credits.tables import CreditEntry, EntryKind
from tests.integration.credit_support import (
    balances,
    buy,
    fx_connect_hooks,  # noqa: F401 (the `connect_hooks` fixture)
    ledger_of,
    post,
    refund,
    shop,
)


async def _bought(client, standin, hooks, workspace_id: int, credits: int = 2500, cents: int = 2500):
    mine = await shop(standin, workspace_id)
    session, intent = buy(standin, mine, credits=credits, cents=cents, fee=cents // 5)
    await post(client, hooks.of("checkout.session.completed", session)[0])
    assert await balances(mine) == (credits, credits)
    return mine, intent


async def _deliver_refund_events(client, hooks, refund_id: str, charge_id: str, charge_events: int = 1) -> None:
    """What Stripe sends for one refund: `charge.refunded` (the charge) and `refund.created` (the refund)."""
    await post(client, hooks.of("charge.refunded", charge_id, count=charge_events)[-1])
    await post(client, hooks.of("refund.created", refund_id)[0])


async def test_a_full_refund_takes_back_every_credit_of_the_purchase_once(client, alice, stripe_standin, connect_hooks):
    mine, intent = await _bought(client, stripe_standin, connect_hooks, alice.workspace.id)
    refund_id = refund(stripe_standin, mine.account, intent)
    charge = (await ledger_of(mine))[0]["stripe_charge_id"]

    await _deliver_refund_events(client, connect_hooks, refund_id, charge)
    await post(client, connect_hooks.of("refund.created", refund_id)[0])  # and a redelivery

    taken = (await ledger_of(mine))[-1]
    assert (taken["kind"], taken["credits"], taken["amount_minor"]) == ("refund", -2500, -2500)
    assert (taken["dedupe_key"], taken["stripe_refund_id"]) == (f"refund:{refund_id}", refund_id)
    assert taken["stripe_payment_intent_id"] == intent and taken["final_price_per_credit"] == "0.01"
    assert await balances(mine) == (0, 0)
    assert await CreditEntry.count() == 2


async def test_partial_refunds_take_back_credits_pro_rata_and_add_up_to_all_of_them(
    client, alice, stripe_standin, connect_hooks
):
    # 1,000 credits for $30.00: a third of the money is 333.33 credits, which must not drift over three refunds.
    mine, intent = await _bought(client, stripe_standin, connect_hooks, alice.workspace.id, credits=1000, cents=3000)
    charge = (await ledger_of(mine))[0]["stripe_charge_id"]

    taken = []
    for number, cents in enumerate((1001, 999, 1000), start=1):
        refund_id = refund(stripe_standin, mine.account, intent, cents)
        await _deliver_refund_events(client, connect_hooks, refund_id, charge, charge_events=number)
        taken.append((await ledger_of(mine))[-1]["credits"])

    assert taken == [-334, -333, -333]  # ceil(1000 × 1001/3000) = 334, then 667 in all, then 1000
    assert await balances(mine) == (0, 0)


async def test_a_refund_after_the_credits_were_spent_takes_the_balance_negative_with_the_flag(
    client, alice, stripe_standin, connect_hooks
):
    mine, intent = await _bought(client, stripe_standin, connect_hooks, alice.workspace.id)
    await ledger.append(mine.workspace_id, mine.client_id, EntryKind.usage, -2000, floor=0)
    refund_id = refund(stripe_standin, mine.account, intent)
    charge = (await ledger_of(mine))[0]["stripe_charge_id"]

    await _deliver_refund_events(client, connect_hooks, refund_id, charge)

    account = await ledger.account(mine.workspace_id, mine.client_id)
    assert await balances(mine) == (-2000, -2000)
    assert account["negative_since"] is not None


async def test_a_refund_whose_event_arrives_before_the_purchases_credits_the_purchase_then_takes_it_back(
    client, alice, stripe_standin, connect_hooks
):
    mine = await shop(stripe_standin, alice.workspace.id)
    _, intent = buy(stripe_standin, mine)
    refund_id = refund(stripe_standin, mine.account, intent, 1000)

    await post(client, connect_hooks.of("refund.created", refund_id)[0])

    assert [(e["kind"], e["credits"]) for e in await ledger_of(mine)] == [("purchase", 2500), ("refund", -1000)]
    assert await balances(mine) == (1500, 1500)


def test_the_credits_refunds_take_back_round_up_and_never_exceed_the_purchase():
    assert credits_refunded(1000, 1, 3000) == 1
    assert credits_refunded(1000, 1500, 3000) == 500
    assert credits_refunded(1000, 3000, 3000) == 1000
    assert credits_refunded(1000, 0, 3000) == 0
    assert credits_refunded(1000, 3001, 3000) == 1000
