"""A sweep gathers each workspace's brief content once for all its members, and on PostgreSQL each sender runs its
queries on one connection of its own, committed statement by statement, instead of opening one per query."""

from __future__ import annotations

import asyncio

import pytest

from app.brief import compose
from app.brief.delivery import SENDERS, send_due
from app.brief.tables import BriefDelivery
from app.core.connections import held, reconnect_if_lost, together
from app.core.timeutil import utcnow
from app.workspaces.tables import Membership, Role, Workspace
from tests.conftest import make_persona
from tests.integration.brief_support import connect, deliveries, fx_mailserver, local

__all__ = ["fx_mailserver"]

# SQLite keeps Piccolo's connection per query: these are about PostgreSQL's connections only.
postgres_only = pytest.mark.postgres_only


async def on_a_worker_loop(coroutine):
    """Run `coroutine` as a Huey worker thread does: on an event loop of its own, where the suite's pool (bound to
    the session's loop) is not used, so the engine connects afresh as in a worker."""
    return await asyncio.to_thread(asyncio.run, coroutine)


async def _backend() -> int:
    return (await Workspace.raw("SELECT pg_backend_pid() AS pid"))[0]["pid"]


async def test_a_workspaces_content_is_gathered_once_and_each_member_gets_their_own_brief_and_link(
    alice, bob, charlie, mailserver, monkeypatch
):
    await connect(alice.workspace.id)
    await Membership.insert(
        Membership(workspace=alice.workspace.id, user=charlie.user.id, role=Role.teammate.value, created_at=utcnow())
    )
    gathered: list[int] = []
    workspace_content = compose.workspace_content

    async def counted(workspace_id, now):
        gathered.append(workspace_id)
        return await workspace_content(workspace_id, now)

    monkeypatch.setattr(compose, "workspace_content", counted)

    sweep = await send_due(local("UTC", day=1))

    members = {(alice.workspace.id, user.id) for user in (alice.user, bob.user, charlie.user)}
    assert members <= set(sweep.sent)
    assert gathered.count(alice.workspace.id) == 1
    # The same content, but each brief's unsubscribe link is its own reader's (briefs() reads the signed link).
    assert sorted(b for b in mailserver.briefs() if b[0] == alice.workspace.id) == sorted(members)
    assert {m["To"] for m in mailserver.messages} >= {alice.user.email, bob.user.email, charlie.user.email}
    assert {key for key, row in (await deliveries()).items() if row["status"] == "sent"} == set(sweep.sent)


@postgres_only
async def test_a_sweep_opens_about_one_connection_per_sender_however_many_briefs_it_sends(mailserver, monkeypatch):
    for n in range(SENDERS * 2):
        persona = await make_persona(f"owner{n}@sweep{n}.test", f"Sweep {n}")
        await connect(persona.workspace.id)
    opened: list[int] = []
    engine = type(Workspace._meta.db)
    new_connection = engine.get_new_connection

    async def counted(self):
        opened.append(1)
        return await new_connection(self)

    monkeypatch.setattr(engine, "get_new_connection", counted)

    sweep = await on_a_worker_loop(send_due(local("UTC", day=1)))

    assert len(sweep.sent) >= SENDERS * 2
    # The sweep's own, and one per sender; before, each brief opened seven or eight.
    assert len(opened) <= SENDERS + 1, len(opened)
    assert await BriefDelivery.count() == len(sweep.sent)


@postgres_only
async def test_a_held_connection_is_its_own_tasks_and_each_statement_commits_at_once(alice):
    async def sender() -> tuple[int, int, bool]:
        async with held():
            first = await _backend()
            await Workspace.update({Workspace.name: "Renamed"}).where(Workspace.id == alice.workspace.id)
            # Another connection sees it at once: nothing waits for the held connection to finish a transaction.
            seen = await asyncio.create_task(_seen_elsewhere(alice.workspace.id))
            return first, await _backend(), seen

    async def two_senders():
        return await asyncio.gather(sender(), sender())

    (a_first, a_again, a_seen), (b_first, b_again, _) = await on_a_worker_loop(two_senders())

    assert a_first == a_again and b_first == b_again
    assert a_first != b_first
    assert a_seen


async def _seen_elsewhere(workspace_id: int) -> bool:
    async with held():  # a new task inherits the held connection; held() inside it opens its own
        row = await Workspace.select(Workspace.name).where(Workspace.id == workspace_id).first()
        return row["name"] == "Renamed"


@postgres_only
async def test_a_transaction_on_a_held_connection_is_all_or_nothing_and_a_lost_connection_is_replaced(alice):
    async def sender() -> tuple[int, int]:
        async with held():
            with pytest.raises(RuntimeError):
                async with together():
                    await Workspace.update({Workspace.name: "Half"}).where(Workspace.id == alice.workspace.id)
                    raise RuntimeError("the second write failed")
            before = await _backend()
            await Workspace._meta.db.current_transaction.get().connection.close()
            await reconnect_if_lost()
            return before, await _backend()

    before, after = await on_a_worker_loop(sender())

    assert before != after

    row = await Workspace.select(Workspace.name).where(Workspace.id == alice.workspace.id).first()
    assert row["name"] == alice.workspace.name
