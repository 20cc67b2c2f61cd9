"""The client picker on the review grid: "Name #12", a bare id, or an exact, unique name (never a pattern)."""

import pytest

from app.core.errors import NotFound, ValidationFailed
from app.review.services import resolve_client
from app.workspaces.services import Actor
from tests import factories as f


def _actor(persona) -> Actor:
    return Actor(user=persona.user, workspace=persona.workspace, role=persona.role)


async def test_it_takes_an_exact_name_in_any_case_an_id_or_a_labelled_id(alice):
    acme = await f.client(alice.workspace.id, "Acme Rockets")
    actor = _actor(alice)
    assert await resolve_client(actor, "acme ROCKETS") == acme.id
    assert await resolve_client(actor, str(acme.id)) == acme.id
    assert await resolve_client(actor, f"Acme Rockets #{acme.id}") == acme.id


@pytest.mark.parametrize("typed", ["%", "Acme%", "Acme_Rockets", "Acme", ""])
async def test_patterns_and_partial_names_pick_nobody(alice, typed):
    await f.client(alice.workspace.id, "Acme Rockets")
    with pytest.raises(ValidationFailed, match="Pick a client"):
        await resolve_client(_actor(alice), typed)


async def test_another_workspaces_client_is_not_found_by_id_or_name(alice, charlie):
    theirs = await f.client(charlie.workspace.id, "Their Client")
    with pytest.raises(NotFound):
        await resolve_client(_actor(alice), f"Their Client #{theirs.id}")
    with pytest.raises(ValidationFailed):
        await resolve_client(_actor(alice), "Their Client")
