"""Crediting a pack from Stripe's webhooks: once per PaymentIntent, whatever Stripe repeats or reorders, from what
Stripe itself says (refetched as the payout account), and never for a payment that is not ours to credit."""

from __future__ import annotations

import asyncio

import pytest

from app.credits import ledger, purchases
from app.credits.tables import CreditAccount, CreditEntry
from app.integrations import webhooks
from app.integrations.tables import StripeEvent
from tasks.stripe_events import retry_unprocessed_events
from tests import factories
from tests.integration.conftest import signed
from tests.integration.credit_support import (
    balances,
    buy,
    fx_connect_hooks,  # noqa: F401 (the `connect_hooks` fixture)
    ledger_of,
    metadata,
    open_checkout,
    pay,
    post,
    processed,
    shop,
)


async def test_a_pack_paid_with_4242_credits_its_credits_with_prices_amount_and_fee_and_saves_the_card(
    client, alice, stripe_standin, connect_hooks
):
    mine = await shop(stripe_standin, alice.workspace.id)
    session, intent = buy(stripe_standin, mine, credits=2500, cents=2500, fee=500)
    connect_hooks.of("checkout.session.completed", session)
    for delivery in connect_hooks.about(mine.account):  # everything paying sent, in the order it arrived
        await post(client, delivery)

    [entry] = await ledger_of(mine)
    assert (entry["kind"], entry["credits"], entry["balance_after"]) == ("purchase", 2500, 2500)
    assert (entry["amount_minor"], entry["application_fee_minor"], entry["currency"]) == (2500, 500, "usd")
    assert (entry["final_price_per_credit"], entry["platform_price_per_credit"], entry["cost_per_credit"]) == (
        "0.01",
        "0.002",
        "0.004",
    )
    assert entry["dedupe_key"] == f"pi:{intent}" and entry["stripe_payment_intent_id"] == intent
    assert entry["stripe_charge_id"].startswith("ch_")
    assert await balances(mine) == (2500, 2500)
    account = await ledger.account(mine.workspace_id, mine.client_id)
    charged = stripe_standin.sdk().v1.payment_intents.retrieve(intent, options={"stripe_account": mine.account})
    assert account["card_label"] == "Visa ending 4242"
    assert (account["stripe_customer_id"], account["payment_method_id"]) == (charged.customer, charged.payment_method)


async def test_the_same_checkout_completed_webhook_delivered_ten_times_credits_once(
    client, alice, stripe_standin, connect_hooks
):
    mine = await shop(stripe_standin, alice.workspace.id)
    session, _ = buy(stripe_standin, mine)
    [completed] = connect_hooks.of("checkout.session.completed", session)

    answers = [await post(client, completed) for _ in range(10)]

    assert [answer["duplicate"] for answer in answers] == [False] + [True] * 9
    assert await balances(mine) == (2500, 2500)
    assert await CreditEntry.count() == 1


@pytest.mark.parametrize(
    "order",
    [
        ("checkout.session.completed", "payment_intent.succeeded"),
        ("payment_intent.succeeded", "checkout.session.completed"),
    ],
)
async def test_both_purchase_events_in_either_order_credit_once(client, alice, stripe_standin, connect_hooks, order):
    mine = await shop(stripe_standin, alice.workspace.id)
    session, intent = buy(stripe_standin, mine)
    about = {"checkout.session.completed": session, "payment_intent.succeeded": intent}

    for event_type in order:
        [delivery] = connect_hooks.of(event_type, about[event_type])
        await post(client, delivery)
        assert await processed(delivery.event["id"])

    assert await balances(mine) == (2500, 2500)
    assert [entry["dedupe_key"] for entry in await ledger_of(mine)] == [f"pi:{intent}"]


async def test_deliveries_stripe_duplicates_and_shuffles_credit_once(client, alice, stripe_standin, connect_hooks):
    stripe_standin.webhook_config(duplicate_probability=1.0, shuffle_window=1.0, seed=14)
    mine = await shop(stripe_standin, alice.workspace.id)
    session, intent = buy(stripe_standin, mine)
    completed = connect_hooks.of("checkout.session.completed", session, count=2)
    succeeded = connect_hooks.of("payment_intent.succeeded", intent, count=2)

    for delivery in connect_hooks.about(mine.account):
        await post(client, delivery)

    assert completed[0].event["id"] == completed[1].event["id"]  # Stripe sent each event twice
    assert succeeded[0].event["id"] == succeeded[1].event["id"]
    assert await balances(mine) == (2500, 2500)
    assert await CreditEntry.count() == 1


async def test_metadata_naming_another_workspaces_client_credits_nothing(
    client, alice, charlie, stripe_standin, connect_hooks
):
    mine = await shop(stripe_standin, alice.workspace.id)
    theirs = await factories.client(charlie.workspace.id, "Theirs")
    session = open_checkout(stripe_standin, mine.account, metadata(alice.workspace.id, theirs.id, 2500), 2500, 500)
    intent = pay(stripe_standin, mine.account, session)

    await post(client, connect_hooks.of("checkout.session.completed", session)[0])
    [succeeded] = connect_hooks.of("payment_intent.succeeded", intent)
    await post(client, succeeded)

    assert await processed(succeeded.event["id"])
    assert await CreditEntry.count() == 0
    assert await CreditAccount.count().where(CreditAccount.client == theirs.id) == 0


async def test_a_payment_on_an_account_that_is_not_the_named_workspaces_payout_account_credits_nothing(
    client, alice, charlie, stripe_standin, connect_hooks
):
    mine = await shop(stripe_standin, alice.workspace.id)
    theirs = await shop(stripe_standin, charlie.workspace.id, "Theirs", email="payouts@charlie.test")
    # Paid on Alice's account, naming Charlie's workspace and client: Charlie's payout account never saw it.
    forged = metadata(charlie.workspace.id, theirs.client_id, 2500)
    session = open_checkout(stripe_standin, mine.account, forged, 2500, 500)
    intent = pay(stripe_standin, mine.account, session)

    await post(client, connect_hooks.of("checkout.session.completed", session)[0])
    await post(client, connect_hooks.of("payment_intent.succeeded", intent)[0])

    assert await CreditEntry.count() == 0
    assert await purchases.credit_payment_intent(mine.account, intent) is None


async def test_an_events_snapshot_is_not_trusted_a_payment_stripe_says_is_unpaid_credits_nothing(
    client, alice, stripe_standin
):
    mine = await shop(stripe_standin, alice.workspace.id)
    unpaid = stripe_standin.sdk().v1.payment_intents.create(
        params={"amount": 2500, "currency": "usd", "metadata": metadata(mine.workspace_id, mine.client_id, 2500)},
        options={"stripe_account": mine.account},
    )
    claim = {**unpaid.to_dict(), "status": "succeeded", "amount_received": 2500}
    event = {
        "id": "evt_claims_paid",
        "object": "event",
        "type": "payment_intent.succeeded",
        "account": mine.account,
        "created": 1,
        "data": {"object": claim},
    }
    payload, headers = signed(event)

    response = await client.post("/billing/stripe/webhook", content=payload, headers=headers)

    assert response.status_code == 200 and await processed("evt_claims_paid")
    assert await CreditEntry.count() == 0


async def test_a_payment_without_our_metadata_passes_through_untouched(client, alice, stripe_standin, connect_hooks):
    mine = await shop(stripe_standin, alice.workspace.id)
    session = open_checkout(stripe_standin, mine.account, None, 2500, 500)
    intent = pay(stripe_standin, mine.account, session)

    await post(client, connect_hooks.of("checkout.session.completed", session)[0])
    await post(client, connect_hooks.of("payment_intent.succeeded", intent)[0])

    assert await CreditEntry.count() == 0
    assert stripe_standin.requests(method="GET", account=mine.account) == []  # not even a refetch


async def test_an_event_stored_but_never_processed_is_credited_once_by_the_sweeper(
    client, alice, stripe_standin, connect_hooks
):
    mine = await shop(stripe_standin, alice.workspace.id)
    session, _ = buy(stripe_standin, mine)
    [completed] = connect_hooks.of("checkout.session.completed", session)
    # The web process stored the verified event, and the consumer died before running its task.
    stored = await webhooks.store(webhooks.verify(completed.body, completed.signature))
    assert stored is not None and await CreditEntry.count() == 0

    await post(client, completed)  # Stripe's retry: already stored, so the app only acknowledges it
    assert await CreditEntry.count() == 0
    retry_unprocessed_events()
    retry_unprocessed_events()

    assert await processed(completed.event["id"])
    assert await balances(mine) == (2500, 2500)
    assert await CreditEntry.count() == 1


async def test_a_failed_refetch_leaves_the_event_to_the_sweeper_which_credits_it_once(
    client, alice, stripe_standin, connect_hooks
):
    mine = await shop(stripe_standin, alice.workspace.id)
    session, intent = buy(stripe_standin, mine)
    [completed] = connect_hooks.of("checkout.session.completed", session)
    stripe_standin.set_faults(fail_next=1, fail_path="/v1/payment_intents", fail_status=500)

    await post(client, completed)

    row = await StripeEvent.objects().where(StripeEvent.event_id == completed.event["id"]).first()
    assert row.processed_at is None and row.last_error and await CreditEntry.count() == 0
    retry_unprocessed_events()
    await post(client, connect_hooks.of("payment_intent.succeeded", intent)[0])

    assert await processed(completed.event["id"])
    assert await balances(mine) == (2500, 2500)
    assert await CreditEntry.count() == 1


async def test_concurrent_credits_of_one_payment_credit_once_and_a_purchase_that_saves_no_card_saves_none(
    alice, stripe_standin
):
    mine = await shop(stripe_standin, alice.workspace.id)
    meta = metadata(mine.workspace_id, mine.client_id, 700)
    intent = pay(stripe_standin, mine.account, open_checkout(stripe_standin, mine.account, meta, 700, 140, False))

    results = await asyncio.gather(*(purchases.credit_payment_intent(mine.account, intent) for _ in range(5)))

    assert sum(result.created for result in results) == 1
    assert await balances(mine) == (700, 700)
    account = await ledger.account(mine.workspace_id, mine.client_id)
    assert (account["payment_method_id"], account["card_label"]) == ("", "")
