"""What a signed-in page view costs the database: every page pays for the session and the actor before its own
work, so that fixed cost is kept to a known number of queries, none of them a write on an ordinary GET."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from app.accounts.sessions import LAST_SEEN_RESOLUTION
from app.accounts.tables import UserSession
from app.core.timeutil import utcnow
from app.workspaces.tables import Membership, Role, Workspace
from tests.conftest import login, make_persona

# The session joined with its user, then the user's memberships joined with their workspaces.
SIGNED_IN_QUERIES = 2


class Queries:
    """Every query the engine runs in this process, with its SQL, wherever it comes from."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sql: list[str] = []
        engine = type(Workspace._meta.db)
        run_querystring = engine.run_querystring

        async def counted(engine_self, querystring, *args, **kwargs):
            self.sql.append(str(querystring))
            return await run_querystring(engine_self, querystring, *args, **kwargs)

        monkeypatch.setattr(engine, "run_querystring", counted)

    def reset(self) -> None:
        self.sql.clear()

    @property
    def writes(self) -> list[str]:
        return [sql for sql in self.sql if sql.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]


@pytest.fixture(name="queries")
def fx_queries(monkeypatch) -> Queries:
    return Queries(monkeypatch)


async def test_a_signed_in_page_reads_the_session_and_the_actor_in_two_queries(client, alice, queries):
    await login(client, alice)
    await client.get("/dashboard/help/metrics")
    queries.reset()
    response = await client.get("/dashboard/help/metrics")
    assert response.status_code == 200 and alice.workspace.name in response.text
    assert len(queries.sql) == SIGNED_IN_QUERIES, queries.sql
    assert queries.writes == []


async def test_the_dashboard_without_stripe_adds_at_most_two_queries_to_the_signed_in_cost(client, alice, queries):
    await login(client, alice)
    await client.get("/dashboard")
    queries.reset()
    response = await client.get("/dashboard")
    assert response.status_code == 200
    assert len(queries.sql) <= SIGNED_IN_QUERIES + 2, queries.sql
    assert queries.writes == []


async def test_the_workspace_menu_lists_every_workspace_of_the_user_within_the_same_queries(client, alice, queries):
    other = await make_persona(alice.user.email.replace("@", "+x@"), "Zeta Studio")
    await _join(other.workspace.id, alice.user.id)
    await login(client, alice)
    queries.reset()
    html = (await client.get("/dashboard/help/metrics")).text
    assert len(queries.sql) == SIGNED_IN_QUERIES, queries.sql
    assert "Zeta Studio" in html and "Alice Agency" in html


async def test_page_views_refresh_last_seen_at_most_once_per_resolution(client, alice, queries):
    await login(client, alice)
    with time_machine.travel(utcnow(), tick=False) as clock:
        queries.reset()
        for _ in range(3):
            assert (await client.get("/dashboard/help/metrics")).status_code == 200
        assert queries.writes == []
        clock.shift(LAST_SEEN_RESOLUTION + timedelta(seconds=1))
        for _ in range(3):
            assert (await client.get("/dashboard/help/metrics")).status_code == 200
        assert [sql.split()[1] for sql in queries.writes] == ['"user_session"']
        row = await UserSession.objects().where(UserSession.user == alice.user.id).first()
        assert row.last_seen_at == utcnow()


async def _join(workspace_id: int, user_id: int) -> None:
    await Membership.insert(
        Membership(workspace=workspace_id, user=user_id, role=Role.teammate.value, created_at=utcnow())
    )
