"""After a backfill the query planner knows the Stripe tables' shape, so the clients page drives from its clients."""

from app.core.timeutil import utcnow
from app.stripe_data.sync import ANALYZED_TABLES
from app.stripe_data.tables import SyncRun
from app.workspaces.services import set_plan
from tasks.sync import run_catchup
from tests.conftest import login
from tests.integration.conftest import connect_through_oauth
from tests.integration.sync_support import link
from tests.plugins.standin import NORTHWIND_DIGITAL


async def _sqlite_has_statistics_table() -> bool:
    return bool(await SyncRun.raw("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'"))


async def _tables_with_statistics() -> set[str]:
    if SyncRun._meta.db.engine_type == "sqlite":
        if not await _sqlite_has_statistics_table():  # created by the first ANALYZE
            return set()
        rows = await SyncRun.raw("SELECT DISTINCT tbl AS name FROM sqlite_stat1")
    else:  # reltuples stays -1 until a table has been analysed
        rows = await SyncRun.raw("SELECT relname AS name FROM pg_class WHERE relkind = 'r' AND reltuples >= 0")
    return {row["name"] for row in rows}


async def _forget_statistics() -> None:
    # Both keep them across the suite's per-test cleanup (DELETE, not TRUNCATE); on PostgreSQL a TRUNCATE of the
    # (already empty) tables sets reltuples back to "never analysed".
    if SyncRun._meta.db.engine_type == "sqlite":
        if await _sqlite_has_statistics_table():
            await SyncRun.raw("DELETE FROM sqlite_stat1")
    else:
        await SyncRun.raw(f"TRUNCATE {', '.join(ANALYZED_TABLES)}")


async def test_the_backfill_task_leaves_planner_statistics_for_the_stripe_tables(client, alice, stripe_standin):
    await _forget_statistics()
    assert not set(ANALYZED_TABLES) <= await _tables_with_statistics()
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await login(client, alice)
    await connect_through_oauth(client, NORTHWIND_DIGITAL)
    assert (await SyncRun.objects().first()).status == "done"
    assert set(ANALYZED_TABLES) <= await _tables_with_statistics()


async def test_a_catch_up_that_finishes_a_failed_backfill_leaves_statistics_too(alice, stripe_standin):
    # The first backfill died (say, Stripe was down); the periodic catch-up finishes it later.
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    await SyncRun(
        workspace=alice.workspace.id,
        account_id=NORTHWIND_DIGITAL,
        kind="backfill",
        status="failed",
        created_at=utcnow(),
    ).save()
    await _forget_statistics()
    assert run_catchup.call_local(alice.workspace.id)["relisted"]
    assert (await SyncRun.objects().first()).status == "done"
    assert set(ANALYZED_TABLES) <= await _tables_with_statistics()
