"""A PostgreSQL transaction gives its pooled connection back however it ends: a pool that loses one keeps one fewer
for the life of the web process (see app.core.postgres)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from piccolo.engine import engine_finder

from app.core import postgres
from app.workspaces.tables import Workspace
from tests.plugins.database import held_connections

pytestmark = pytest.mark.postgres_only


# Where a task group's cancellation lands when it arrives while BEGIN or ROLLBACK is on the wire: no test can time
# that, so these raise it there.


class _CancelledDuringBegin(postgres._ReleasingTransaction):
    __slots__ = ()

    async def begin(self) -> None:
        raise asyncio.CancelledError


class _CancelledDuringRollback(postgres._ReleasingTransaction):
    __slots__ = ()

    async def rollback(self) -> None:
        raise asyncio.CancelledError


async def test_the_suite_runs_its_postgresql_transactions_on_the_app_s_engine():
    assert isinstance(engine_finder(), postgres.AppPostgresEngine)
    assert isinstance(engine_finder().transaction(), postgres._ReleasingTransaction)


async def test_a_transaction_cancelled_before_it_began_gives_its_connection_back():
    assert held_connections() == 0

    with pytest.raises(asyncio.CancelledError):
        async with _CancelledDuringBegin(engine=engine_finder()):
            pytest.fail("the block must not run")

    assert held_connections() == 0
    assert await Workspace.count() == 0  # and the pool still serves


async def test_a_transaction_cancelled_again_while_rolling_back_gives_its_connection_back():
    assert held_connections() == 0

    with pytest.raises(asyncio.CancelledError):
        async with _CancelledDuringRollback(engine=engine_finder()):
            await Workspace.raw("SELECT 1")
            raise asyncio.CancelledError  # the first cancellation, in the block

    assert held_connections() == 0
    assert await Workspace.count() == 0


async def test_a_transaction_whose_connection_died_gives_it_back_and_the_pool_replaces_it():
    assert held_connections() == 0

    with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError)):
        async with engine_finder().transaction():
            await Workspace.raw("SELECT pg_terminate_backend(pg_backend_pid())")

    assert held_connections() == 0
    assert await Workspace.count() == 0


async def test_a_transaction_that_ends_cleanly_still_commits_and_gives_its_connection_back():
    async with engine_finder().transaction():
        await Workspace.raw("CREATE TEMPORARY TABLE probe (n integer) ON COMMIT DROP")
        assert held_connections() == 1

    assert held_connections() == 0
