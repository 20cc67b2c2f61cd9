"""After a backfill the query planner knows the Stripe tables' shape, so the clients page drives from its clients."""

from app.stripe_data.sync import ANALYZED_TABLES
from app.stripe_data.tables import SyncRun
from app.workspaces.services import set_plan
from tests.conftest import login
from tests.integration.conftest import connect_through_oauth
from tests.plugins.standin import NORTHWIND_DIGITAL


async def _tables_with_statistics() -> set[str]:
    if SyncRun._meta.db.engine_type == "sqlite":
        rows = await SyncRun.raw("SELECT DISTINCT tbl AS name FROM sqlite_stat1")
    else:  # reltuples stays -1 until a table has been analysed
        rows = await SyncRun.raw("SELECT relname AS name FROM pg_class WHERE relkind = 'r' AND reltuples >= 0")
    return {row["name"] for row in rows}


async def _forget_statistics() -> None:
    # SQLite keeps them across the suite's per-test truncation; PostgreSQL's TRUNCATE resets reltuples itself.
    if SyncRun._meta.db.engine_type == "sqlite" and await SyncRun.raw(
            "SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'"):
        await SyncRun.raw("DELETE FROM sqlite_stat1")


async def test_the_backfill_task_leaves_planner_statistics_for_the_stripe_tables(client, alice, stripe_standin):
    await _forget_statistics()
    assert not set(ANALYZED_TABLES) <= await _tables_with_statistics()
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await login(client, alice)
    await connect_through_oauth(client, NORTHWIND_DIGITAL)
    assert (await SyncRun.objects().first()).status == "done"
    assert set(ANALYZED_TABLES) <= await _tables_with_statistics()
