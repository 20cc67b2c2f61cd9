"""An owner's adjustment: owners only, a reason always, a whole non-zero bounded number of credits, never below zero;
bad input says what to fix and changes nothing."""

from __future__ import annotations

import pytest

from app.core.errors import NotFound, PermissionDenied, ValidationFailed
from app.credits import adjustments, ledger
from app.credits.tables import CreditEntry, EntryKind
from tests import factories


async def test_an_owner_adds_and_takes_credits_with_a_reason_the_ledger_keeps(alice):
    client = await factories.client(alice.workspace.id, "Acme")

    added = await adjustments.adjust(alice.actor, client.id, "1,500", "  Goodwill for the outage ")
    taken = await adjustments.adjust(alice.actor, client.id, -200, "Double-counted report")

    assert (added["kind"], added["credits"], added["description"]) == ("adjustment", 1500, "Goodwill for the outage")
    assert added["created_by"] == alice.user.id
    assert (taken["credits"], taken["balance_after"]) == (-200, 1300)
    assert (
        await ledger.balance(alice.workspace.id, client.id)
        == 1300
        == await ledger.ledger_balance(alice.workspace.id, client.id)
    )


async def test_a_teammate_may_not_adjust_credits(alice, bob):
    client = await factories.client(alice.workspace.id, "Acme")

    with pytest.raises(PermissionDenied) as refused:
        await adjustments.adjust(bob.actor, client.id, 100, "Because")

    assert "Only a workspace owner can adjust a client's credits" in refused.value.message
    assert await CreditEntry.count() == 0


@pytest.mark.parametrize(
    ("credits", "reason", "field", "message"),
    [
        (100, "   ", "reason", "Say why you are adjusting the credits"),
        (100, "x" * 501, "reason", "under 500 characters"),
        (0, "Oops", "credits", "other than zero"),
        ("12.5", "Oops", "credits", "whole number"),
        ("lots", "Oops", "credits", "whole number"),
        ("--5", "Oops", "credits", "whole number"),
        (10_000_001, "Oops", "credits", "at most 10,000,000 credits"),
        (-10_000_001, "Oops", "credits", "at most 10,000,000 credits"),
    ],
)
async def test_bad_input_names_the_field_to_fix_and_changes_nothing(alice, credits, reason, field, message):
    client = await factories.client(alice.workspace.id, "Acme")

    with pytest.raises(ValidationFailed) as refused:
        await adjustments.adjust(alice.actor, client.id, credits, reason)

    assert message in refused.value.errors[field]
    assert await CreditEntry.count() == 0


async def test_taking_more_credits_than_the_balance_is_refused_with_the_balance(alice):
    client = await factories.client(alice.workspace.id, "Acme")
    await ledger.append(alice.workspace.id, client.id, EntryKind.purchase, 40, dedupe_key="pi:1")

    with pytest.raises(ValidationFailed) as refused:
        await adjustments.adjust(alice.actor, client.id, -41, "Too much")

    assert refused.value.errors["credits"] == "That would take the balance below zero: it is 40 credits."
    assert await ledger.balance(alice.workspace.id, client.id) == 40 and await CreditEntry.count() == 1


async def test_another_workspaces_client_reads_as_not_found(alice, charlie):
    theirs = await factories.client(charlie.workspace.id, "Theirs")

    with pytest.raises(NotFound):
        await adjustments.adjust(alice.actor, theirs.id, 100, "Not mine")

    assert await CreditEntry.count() == 0
