"""Concurrent usage calls are written together in one transaction, with the same rules as one by one."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from app.core.errors import NotFound
from app.credits import ledger, spends, usage
from app.credits.tables import CreditEntry, EntryKind
from tests.integration.usage_support import funded_client


async def _usage(workspace_id: int, client_id: int) -> list[dict]:
    return await (
        CreditEntry.select()
        .where((CreditEntry.client == client_id) & (CreditEntry.kind == EntryKind.usage.value))
        .order_by(CreditEntry.id)
    )


async def test_concurrent_usage_calls_share_one_transaction_and_chain_each_clients_balance(alice):
    first = await funded_client(alice.workspace.id, 10_000, "Acme")
    second = await funded_client(alice.workspace.id, 10_000, "Globex")
    calls = [(first if n % 2 else second, 10 + n, f"call-{n}") for n in range(40)]

    results = await asyncio.gather(
        *(usage.record_usage(alice.workspace.id, client, credits, "", key) for client, credits, key in calls)
    )

    assert not any(result.replayed for result in results)
    for client in (first, second):
        entries = await _usage(alice.workspace.id, client)
        assert len(entries) == 20
        balance = 10_000
        for entry in entries:  # in the order they were written, each one's balance follows the one before
            balance += entry["credits"]
            assert entry["balance_after"] == balance
        assert (
            await ledger.balance(alice.workspace.id, client)
            == balance
            == 10_000 - sum(credits for c, credits, _ in calls if c == client)
        )
        assert await ledger.ledger_balance(alice.workspace.id, client) == balance
    # One batch wrote them all: its entries share its moment.
    assert len({result.created_at for result in results}) == 1


async def test_a_key_sent_twice_in_one_batch_records_once_and_answers_the_second_as_a_replay(alice):
    client = await funded_client(alice.workspace.id, 1000)

    one, two = await asyncio.gather(*(usage.record_usage(alice.workspace.id, client, 300, "", "k") for _ in "12"))

    assert sorted([one.replayed, two.replayed]) == [False, True] and one.entry_id == two.entry_id
    assert await ledger.balance(alice.workspace.id, client) == 700
    assert len(await _usage(alice.workspace.id, client)) == 1


async def test_a_key_reused_for_another_body_in_one_batch_is_refused(alice):
    client = await funded_client(alice.workspace.id, 1000)

    results = await asyncio.gather(
        usage.record_usage(alice.workspace.id, client, 300, "", "k"),
        usage.record_usage(alice.workspace.id, client, 301, "", "k"),
        return_exceptions=True,
    )

    assert isinstance(results[1], usage.IdempotencyKeyReused)
    assert results[0].credits == 300 and await ledger.balance(alice.workspace.id, client) == 700


async def test_a_spend_the_balance_cannot_cover_is_refused_while_the_rest_of_its_batch_is_written(alice):
    client = await funded_client(alice.workspace.id, 100)

    results = await asyncio.gather(
        *(usage.record_usage(alice.workspace.id, client, n, "", f"k{n}") for n in (60, 61, 30)),
        return_exceptions=True,
    )

    assert isinstance(results[1], ledger.InsufficientCredits) and results[1].balance == 10
    assert [results[0].balance_after, results[2].balance_after] == [40, 10]
    assert (
        await ledger.balance(alice.workspace.id, client)
        == 10
        == await ledger.ledger_balance(alice.workspace.id, client)
    )


async def test_another_workspaces_client_in_a_batch_is_not_found_and_the_rest_is_written(alice, charlie):
    mine = await funded_client(alice.workspace.id, 100)
    theirs = await funded_client(charlie.workspace.id, 100)

    results = await asyncio.gather(
        usage.record_usage(alice.workspace.id, theirs, 10, "", "a"),
        usage.record_usage(alice.workspace.id, mine, 10, "", "b"),
        return_exceptions=True,
    )

    assert isinstance(results[0], NotFound) and results[1].balance_after == 90
    assert await ledger.balance(charlie.workspace.id, theirs) == 100
    assert await _usage(charlie.workspace.id, theirs) == []


async def test_a_client_without_credits_yet_is_refused_by_the_one_by_one_path(alice):
    client = await funded_client(alice.workspace.id, 0)  # no account row yet

    with pytest.raises(ledger.InsufficientCredits):
        await usage.record_usage(alice.workspace.id, client, 1, "", "k")
    assert await _usage(alice.workspace.id, client) == []


async def test_inside_a_callers_transaction_a_spend_is_left_to_the_one_by_one_path(alice):
    client = await funded_client(alice.workspace.id, 100)

    async with ledger.write_transaction():
        assert await spends.spend(spends.Spend(alice.workspace.id, client, 10, "usage:x")) is None
    assert await ledger.balance(alice.workspace.id, client) == 100


@pytest.mark.postgres_only  # on SQLite the batch holds the write lock: no other writer can come between
async def test_a_key_another_writer_took_after_the_batch_looked_rolls_the_batch_back(alice, monkeypatch):
    client = await funded_client(alice.workspace.id, 1000)
    other = await funded_client(alice.workspace.id, 1000, "Globex")
    insert = spends._insert_entries

    async def raced(items, planned, now):
        # Another process spends on another client with the first spend's key between the batch's look and insert.
        elsewhere = ledger.append(alice.workspace.id, other, EntryKind.usage, -5, dedupe_key=items[0].dedupe_key)
        await asyncio.get_running_loop().create_task(elsewhere, context=contextvars.Context())
        return await insert(items, planned, now)

    monkeypatch.setattr(spends, "_insert_entries", raced)
    results = await asyncio.gather(*(spends.spend(spends.Spend(alice.workspace.id, client, 7, k)) for k in "ab"))

    assert results == [None, None]  # the whole batch rolled back, left to ledger.append one by one
    assert (
        await ledger.balance(alice.workspace.id, client)
        == 1000
        == await ledger.ledger_balance(alice.workspace.id, client)
    )
    assert await ledger.balance(alice.workspace.id, other) == 995
