"""Refunds in Stripe take back the credits they paid for: all of them for a full refund, pro rata without drift for
partial ones, once per refund however often its events come, and below zero (flagged) when the credits were spent.
A refund that fails later in Stripe gives them back, once, and a later refund of the purchase is still pro rata."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from app.credits import ledger, refunds, stripe_reads
from app.credits.refunds import credits_refunded
from app.credits.tables import CreditEntry, EntryKind
from tests.integration.credit_activity_support import EXPORT, HX, TAB_LIST, on_agency_plan
from tests.integration.credit_support import (
    balances,
    buy,
    fx_connect_hooks,  # noqa: F401 (the `connect_hooks` fixture)
    ledger_of,
    post,
    refund,
    shop,
)

FAILURE_EVENTS = ("refund.failed", "refund.updated", "charge.refund.updated")


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


async def test_refunds_of_one_purchase_settled_at_once_take_back_the_pro_rata_total_and_not_a_credit_more(
    client, alice, stripe_standin, connect_hooks
):
    # Five $1.00 refunds of 1,000 credits for $30.00 take back ceil(166.67) = 167 in all. Settled at once (webhook
    # tasks run side by side), each reading that nothing was taken yet, each would take ceil(33.33) = 34: 170.
    mine, intent = await _bought(client, stripe_standin, connect_hooks, alice.workspace.id, credits=1000, cents=3000)
    ids = [refund(stripe_standin, mine.account, intent, 100) for _ in range(5)]
    purchase = await ledger.entry_by_key(f"pi:{intent}")
    listed = {r["id"]: r for r in await stripe_reads.fetch(stripe_reads.refunds_of, mine.account, intent)}

    settled = await asyncio.gather(*(refunds.settle(purchase, listed[refund_id]) for refund_id in ids))

    assert all(appended is not None and appended.created for appended in settled)
    assert -sum(e["credits"] for e in await ledger_of(mine) if e["kind"] == "refund") == 167
    assert await balances(mine) == (833, 833)


def test_the_credits_refunds_take_back_round_up_and_never_exceed_the_purchase():
    assert credits_refunded(1000, 1, 3000) == 1
    assert credits_refunded(1000, 1500, 3000) == 500
    assert credits_refunded(1000, 3000, 3000) == 1000
    assert credits_refunded(1000, 0, 3000) == 0
    assert credits_refunded(1000, 3001, 3000) == 1000


# A refund that fails after it succeeded (the card was closed): Stripe gives the money back to the agency.


def _fail(standin, account: str, refund_id: str) -> None:
    standin.action("fail_refund", account=account, refund=refund_id)


async def _deliver_failure_events(client, hooks, refund_id: str, order=FAILURE_EVENTS) -> None:
    """What Stripe sends when a refund fails: three events, each carrying the refund."""
    for event_type in order:
        await post(client, hooks.of(event_type, refund_id)[0])


async def _refunded(client, standin, hooks, mine, intent: str, cents: int | None = None, charge_events: int = 1) -> str:
    refund_id = refund(standin, mine.account, intent, cents)
    charge = (await ledger_of(mine))[0]["stripe_charge_id"]
    await _deliver_refund_events(client, hooks, refund_id, charge, charge_events=charge_events)
    return refund_id


async def test_a_refund_that_fails_after_it_succeeded_gives_the_credits_back_exactly_once(
    client, alice, stripe_standin, connect_hooks
):
    mine, intent = await _bought(client, stripe_standin, connect_hooks, alice.workspace.id)
    refund_id = await _refunded(client, stripe_standin, connect_hooks, mine, intent, 1250)
    assert await balances(mine) == (1250, 1250)

    _fail(stripe_standin, mine.account, refund_id)
    await _deliver_failure_events(client, connect_hooks, refund_id)
    await _deliver_failure_events(client, connect_hooks, refund_id)  # every one of them redelivered
    await post(client, connect_hooks.of("refund.created", refund_id)[0])  # and the old success, late

    taken, given = (await ledger_of(mine))[1:]
    assert (given["kind"], given["credits"], given["amount_minor"]) == ("refund", 1250, 1250)
    assert given["dedupe_key"] == f"refund-failed:{refund_id}"
    assert given["description"] == "Refund of 12.50 USD failed: credits given back"
    for same in ("stripe_refund_id", "stripe_charge_id", "stripe_payment_intent_id", "final_price_per_credit"):
        assert given[same] == taken[same]
    assert await balances(mine) == (2500, 2500)
    assert await CreditEntry.count() == 3


@pytest.mark.parametrize(
    "order",
    [FAILURE_EVENTS, tuple(reversed(FAILURE_EVENTS)), ("refund.updated", "charge.refund.updated", "refund.failed")],
    ids=["refund.failed first", "charge.refund.updated first", "refund.updated first"],
)
async def test_a_failed_refunds_events_in_any_order_converge_on_one_reversal(
    client, alice, stripe_standin, connect_hooks, order
):
    mine, intent = await _bought(client, stripe_standin, connect_hooks, alice.workspace.id)
    refund_id = await _refunded(client, stripe_standin, connect_hooks, mine, intent)
    _fail(stripe_standin, mine.account, refund_id)

    await post(client, connect_hooks.of(order[0], refund_id)[0])
    assert await balances(mine) == (2500, 2500)  # the first event of the three gives the credits back
    await _deliver_failure_events(client, connect_hooks, refund_id, order)

    assert [(e["kind"], e["credits"]) for e in await ledger_of(mine)] == [
        ("purchase", 2500),
        ("refund", -2500),
        ("refund", 2500),
    ]
    assert await balances(mine) == (2500, 2500)


async def test_after_a_failed_partial_refund_later_refunds_still_take_back_the_right_pro_rata_total(
    client, alice, stripe_standin, connect_hooks
):
    # 1,000 credits for $30.00. $10.01 takes 334 credits and fails; $10.00 must then take 334 (not 333, as it
    # would after the failed refund's 334), and the remaining $20.00 the other 666.
    mine, intent = await _bought(client, stripe_standin, connect_hooks, alice.workspace.id, credits=1000, cents=3000)
    failed = await _refunded(client, stripe_standin, connect_hooks, mine, intent, 1001)
    _fail(stripe_standin, mine.account, failed)
    await _deliver_failure_events(client, connect_hooks, failed)

    await _refunded(client, stripe_standin, connect_hooks, mine, intent, 1000, charge_events=2)
    assert (await ledger_of(mine))[-1]["credits"] == -334
    await _refunded(client, stripe_standin, connect_hooks, mine, intent, charge_events=3)

    assert [e["credits"] for e in await ledger_of(mine)] == [1000, -334, 334, -334, -666]
    assert await balances(mine) == (0, 0)


async def test_a_refund_that_fails_after_a_later_one_was_recorded_leaves_exactly_the_later_ones_pro_rata_share(
    client, alice, stripe_standin, connect_hooks
):
    # The later $10.00 was recorded while the $10.01 still stood: 667 in all less 334 is 333. When the $10.01 fails,
    # giving back its own 334 would leave 333 taken for $10.00; the reversal gives back 333 so that 334 stay taken.
    mine, intent = await _bought(client, stripe_standin, connect_hooks, alice.workspace.id, credits=1000, cents=3000)
    failed = await _refunded(client, stripe_standin, connect_hooks, mine, intent, 1001)
    await _refunded(client, stripe_standin, connect_hooks, mine, intent, 1000, charge_events=2)

    _fail(stripe_standin, mine.account, failed)
    await _deliver_failure_events(client, connect_hooks, failed)

    assert [e["credits"] for e in await ledger_of(mine)] == [1000, -334, -333, 333]
    assert await balances(mine) == (666, 666)  # 1,000 less ceil(1,000 × 1,000 ÷ 3,000)


async def test_a_refund_that_failed_before_it_was_ever_recorded_writes_nothing(
    client, alice, stripe_standin, connect_hooks
):
    mine, intent = await _bought(client, stripe_standin, connect_hooks, alice.workspace.id)
    refund_id = refund(stripe_standin, mine.account, intent, 1000)
    _fail(stripe_standin, mine.account, refund_id)
    charge = (await ledger_of(mine))[0]["stripe_charge_id"]

    await _deliver_failure_events(client, connect_hooks, refund_id)
    await _deliver_refund_events(client, connect_hooks, refund_id, charge)  # the success, delivered after

    assert [e["kind"] for e in await ledger_of(mine)] == ["purchase"]
    assert await balances(mine) == (2500, 2500)


async def test_a_balance_the_refund_took_below_zero_comes_back_and_the_below_zero_flag_clears(
    client, alice, stripe_standin, connect_hooks
):
    mine, intent = await _bought(client, stripe_standin, connect_hooks, alice.workspace.id)
    await ledger.append(mine.workspace_id, mine.client_id, EntryKind.usage, -2000, floor=0)
    refund_id = await _refunded(client, stripe_standin, connect_hooks, mine, intent)
    assert (await ledger.account(mine.workspace_id, mine.client_id))["negative_since"] is not None

    _fail(stripe_standin, mine.account, refund_id)
    await _deliver_failure_events(client, connect_hooks, refund_id)

    assert await balances(mine) == (500, 500)
    assert (await ledger.account(mine.workspace_id, mine.client_id))["negative_since"] is None


async def test_the_transactions_list_and_its_csv_show_the_failed_refund_giving_credits_and_money_back(
    client, alice, stripe_standin, connect_hooks
):
    await on_agency_plan(client, alice)
    mine, intent = await _bought(client, stripe_standin, connect_hooks, alice.workspace.id)
    refund_id = await _refunded(client, stripe_standin, connect_hooks, mine, intent, 1250)
    _fail(stripe_standin, mine.account, refund_id)
    await _deliver_failure_events(client, connect_hooks, refund_id)

    listed = (await client.get(TAB_LIST, params={"kind": "refund"}, headers=HX)).text
    exported = await client.get(EXPORT, params={"kind": "refund"})

    assert listed.count('data-testid="transaction-row"') == 2
    assert ">Refund failed</span>" in listed and ">Refund</span>" in listed
    assert 'data-testid="transaction-credits">+1,250<' in listed and "credits given back" in listed
    assert 'data-testid="total-refund">0 credits' in listed  # what the refunds took back, net
    given, taken = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert (given["kind"], given["credits"], given["amount"], given["balance_after"]) == (
        "Refund",
        "1250",
        "12.50",
        "2500",
    )
    assert (taken["credits"], taken["amount"], given["stripe_refund"]) == ("-1250", "-12.50", refund_id)
