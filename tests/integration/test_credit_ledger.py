"""The credit ledger: entries move the cached balance, a key counts once, the floor refuses, and isolation holds."""

from __future__ import annotations

import asyncio

import pytest

from app.core.errors import NotFound, ValidationFailed
from app.credits import ledger
from app.credits import settings as credit_settings
from app.credits.tables import CreditAccount, CreditEntry, EntryKind
from tests import factories


async def test_entries_move_the_balance_and_record_the_balance_after_each(alice):
    client = await factories.client(alice.workspace.id, "Acme")
    await ledger.append(alice.workspace.id, client.id, EntryKind.purchase, 2500, dedupe_key="pi:1")
    spent = await ledger.append(alice.workspace.id, client.id, EntryKind.usage, -300, floor=0)

    assert spent.created and spent.entry["balance_after"] == 2200
    assert await ledger.balance(alice.workspace.id, client.id) == 2200
    assert await ledger.ledger_balance(alice.workspace.id, client.id) == 2200
    assert [e["kind"] for e in await ledger.entries(alice.workspace.id, client.id)] == ["usage", "purchase"]


async def test_a_repeated_key_returns_the_first_entry_and_changes_nothing(alice):
    client = await factories.client(alice.workspace.id, "Acme")
    first = await ledger.append(alice.workspace.id, client.id, EntryKind.purchase, 2500, dedupe_key="pi:1")
    again = await ledger.append(alice.workspace.id, client.id, EntryKind.purchase, 2500, dedupe_key="pi:1")

    assert not again.created and again.entry["id"] == first.entry["id"]
    assert await ledger.balance(alice.workspace.id, client.id) == 2500
    assert await CreditEntry.count() == 1


async def test_concurrent_appends_with_one_key_credit_once(alice):
    client = await factories.client(alice.workspace.id, "Acme")
    results = await asyncio.gather(
        *(ledger.append(alice.workspace.id, client.id, EntryKind.purchase, 100, dedupe_key="pi:x") for _ in range(10))
    )

    assert sum(result.created for result in results) == 1
    assert len({result.entry["id"] for result in results}) == 1
    assert (
        await ledger.balance(alice.workspace.id, client.id)
        == 100
        == await ledger.ledger_balance(alice.workspace.id, client.id)
    )


async def test_the_floor_refuses_usage_past_zero_and_leaves_no_entry(alice):
    client = await factories.client(alice.workspace.id, "Acme")
    await ledger.append(alice.workspace.id, client.id, EntryKind.purchase, 100, dedupe_key="pi:1")

    with pytest.raises(ledger.InsufficientCredits) as refused:
        await ledger.append(alice.workspace.id, client.id, EntryKind.usage, -101, floor=0)

    assert refused.value.balance == 100 and "100 credits" in refused.value.message
    assert await ledger.balance(alice.workspace.id, client.id) == 100
    assert await CreditEntry.count() == 1


async def test_a_balance_taken_below_zero_is_flagged_until_it_recovers(alice):
    client = await factories.client(alice.workspace.id, "Acme")
    await ledger.append(alice.workspace.id, client.id, EntryKind.refund, -50, dedupe_key="refund:1")
    flagged = await ledger.account(alice.workspace.id, client.id)
    await ledger.append(alice.workspace.id, client.id, EntryKind.adjustment, 50, description="goodwill")
    cleared = await ledger.account(alice.workspace.id, client.id)

    assert flagged["balance"] == -50 and flagged["negative_since"] is not None
    assert cleared["balance"] == 0 and cleared["negative_since"] is None


async def test_another_workspaces_client_reads_as_not_found(alice, charlie):
    theirs = await factories.client(charlie.workspace.id, "Theirs")

    with pytest.raises(NotFound):
        await ledger.append(alice.workspace.id, theirs.id, EntryKind.adjustment, 10)
    with pytest.raises(NotFound):
        await ledger.balance(alice.workspace.id, theirs.id)
    assert await CreditEntry.count() == 0


async def test_the_check_reports_a_cached_balance_that_drifted_from_the_ledger(alice):
    client = await factories.client(alice.workspace.id, "Acme")
    await ledger.append(alice.workspace.id, client.id, EntryKind.purchase, 40, dedupe_key="pi:1")
    assert await ledger.mismatches() == []

    await CreditAccount.update({CreditAccount.balance: 41}).where(CreditAccount.client == client.id)

    assert await ledger.mismatches() == [ledger.Mismatch(alice.workspace.id, client.id, 41, 40)]


async def test_auto_recharge_needs_a_saved_card_and_amounts_within_limits(alice):
    client = await factories.client(alice.workspace.id, "Acme")
    with pytest.raises(ValidationFailed) as no_card:
        await credit_settings.set_auto_recharge(alice.workspace.id, client.id, enabled=True, threshold=500, usd=10)
    await credit_settings.save_card(alice.workspace.id, client.id, "cus_1", "pm_1", "Visa ending 4242")
    with pytest.raises(ValidationFailed) as too_small:
        await credit_settings.set_auto_recharge(alice.workspace.id, client.id, enabled=True, threshold=500, usd="9")

    with pytest.raises(ValidationFailed) as not_lifted:  # $10 buys 10,000 credits at the platform's $0.001
        await credit_settings.set_auto_recharge(alice.workspace.id, client.id, enabled=True, threshold=10_000, usd=10)
    on = await credit_settings.set_auto_recharge(
        alice.workspace.id, client.id, enabled=True, threshold="1,000", usd="$25"
    )

    assert "enabled" in no_card.value.errors and "usd" in too_small.value.errors
    assert "buys 10,000 credits" in not_lifted.value.errors["threshold"]
    assert (on["auto_recharge"], on["recharge_threshold"], on["recharge_usd"]) == (True, 1000, 25)
    assert on["payment_method_id"] == "pm_1" and on["card_label"] == "Visa ending 4242"
