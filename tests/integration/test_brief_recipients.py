"""Who receives a workspace's Monday Brief: every member until they opt out, per workspace."""

from datetime import UTC, datetime

from app.brief.compose import compose_brief
from app.brief.recipients import is_opted_in, members, recipients, set_opt_in
from app.workspaces.services import create_workspace
from tests.conftest import Persona


async def test_every_member_receives_the_brief_until_they_opt_out(alice: Persona, bob: Persona) -> None:
    assert [p.email for p in await recipients(alice.workspace.id)] == [alice.user.email, bob.user.email]

    await set_opt_in(alice.workspace.id, bob.user.id, False)
    await set_opt_in(alice.workspace.id, bob.user.id, False)  # a second unsubscribe click changes nothing

    assert [p.email for p in await recipients(alice.workspace.id)] == [alice.user.email]
    assert not await is_opted_in(alice.workspace.id, bob.user.id)
    assert [(p.email, p.opted_in) for p in await members(alice.workspace.id)] == [
        (alice.user.email, True),
        (bob.user.email, False),
    ]

    await set_opt_in(alice.workspace.id, bob.user.id, True)
    assert await is_opted_in(alice.workspace.id, bob.user.id)


async def test_opting_out_of_one_workspace_keeps_the_other_workspaces_brief(alice: Persona) -> None:
    other = await create_workspace(alice.user, "Alice Side Project")
    await set_opt_in(alice.workspace.id, alice.user.id, False)

    assert await recipients(alice.workspace.id) == []
    assert [p.email for p in await recipients(other.id)] == [alice.user.email]


async def test_a_brief_names_its_workspace_week_and_unsubscribe_link(alice: Persona) -> None:
    email = await compose_brief(
        alice.workspace.id, alice.user.id, datetime(2026, 11, 23, 8, tzinfo=UTC), unsubscribe_url="https://x.test/u/1"
    )

    assert email is not None and email.to == alice.user.email
    assert email.subject.startswith("Week 48:")
    assert "https://x.test/u/1" in email.text and "https://x.test/u/1" in email.html
