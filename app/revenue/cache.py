"""The workspace's computed revenue (MRR history, invoiced revenue, movements, signals, overdue insights), kept
per process.

A rebuild takes seconds for a large agency; the dashboard must answer in milliseconds. So the figures are kept
in memory per workspace, under a key read from the database on every request in one indexed query:
- the workspace's data version token (app.stripe_data.versions), which every sync write, rematch, manual match
  and purge changes, so each process sees a write at its next request, whichever process wrote;
- the workspace's time zone, currency and creation time (a workspace id reused after a restore or in tests
  never finds another workspace's figures);
- the rate table's row count and latest change (operators edit it for every workspace);
- the `money` formatter the signals' sentences were written with.
Figures also depend on the clock (a trial ends, a month closes, an invoice falls overdue at midnight) without any
write: they are recomputed once they are older than `MAX_AGE`. A caller passing `now` (tests, a chosen instant)
bypasses the cache.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.timeutil import utcnow
from app.revenue.facts import ClientKey, load_facts
from app.revenue.movements import Month, monthly
from app.revenue.services import Series, invoiced_revenue, mrr_history
from app.revenue.signals import ClientSignals, client_signals
from app.stripe_data.insights import ClientInsight, client_insights
from app.workspaces.tables import Workspace

log = logging.getLogger(__name__)

CHANGE_WINDOW = timedelta(days=30)
MAX_AGE = timedelta(minutes=5)
MAX_WORKSPACES = 64  # a few MB each at 2,000 clients; the least recently used goes first


@dataclass
class WorkspaceRevenue:
    """Every revenue figure of one workspace at `computed_at`; `mrr.earlier` holds MRR `CHANGE_WINDOW` before."""

    computed_at: datetime
    mrr: Series
    invoiced: Series
    months: list[Month]
    signals: dict[ClientKey, ClientSignals]
    insights: dict[int, ClientInsight]  # app.stripe_data.insights, for the overdue list


_KEY_SQL = (
    "SELECT w.timezone AS timezone, w.currency AS currency, w.created_at AS created_at, "
    "(SELECT v.token FROM stripe_data_version v WHERE v.workspace = w.id) AS token, "
    "(SELECT COUNT(*) FROM exchange_rate) AS rates, (SELECT MAX(r.updated_at) FROM exchange_rate r) AS rates_at, "
    # Not part of the key: read here so the dashboard learns whether to show figures in this same round trip.
    "(SELECT COUNT(*) FROM stripe_connection c WHERE c.workspace = w.id AND c.status = 'connected') AS connected "
    "FROM workspace w WHERE w.id = {}"
)

_entries: OrderedDict[int, tuple[tuple, WorkspaceRevenue]] = OrderedDict()
# A lock belongs to the event loop it first waited on: one set per loop (tests and benchmarks start several).
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Lock]] = weakref.WeakKeyDictionary()


async def _key(workspace_id: int) -> tuple[tuple, bool]:
    """The key the workspace's figures are kept under, and whether it has a live Stripe connection."""
    rows = await Workspace.raw(_KEY_SQL, workspace_id)
    if not rows:
        return (workspace_id,), False
    row = rows[0]
    # Which workspace this is (its creation time) first, then what its figures depend on.
    key = (str(row["created_at"]), row["token"], row["timezone"], row["currency"], row["rates"], str(row["rates_at"]))
    return key, bool(row["connected"])


async def compute(
    workspace_id: int, now: datetime | None = None, money: Callable[[int], str] = str
) -> WorkspaceRevenue:
    """Every figure, computed now from one read of the workspace's facts (no cache)."""
    now = now or utcnow()
    facts = await load_facts(workspace_id)
    mrr = await mrr_history(workspace_id, now, earlier=now - CHANGE_WINDOW, facts=facts)
    return WorkspaceRevenue(
        computed_at=now,
        mrr=mrr,
        invoiced=await invoiced_revenue(workspace_id, now, facts=facts),
        months=monthly(mrr.labels, mrr.clients),
        signals=await client_signals(workspace_id, now, mrr, money, facts=facts),
        # Grouped over every invoice and charge of the workspace: half a second at 100,000 invoices, so kept too.
        insights=await client_insights(workspace_id, facts.timezone, facts.currency, now=now),
    )


async def workspace_revenue(
    workspace_id: int, now: datetime | None = None, money: Callable[[int], str] = str, connected_only: bool = False
) -> WorkspaceRevenue | None:
    """The workspace's figures: kept ones while their key holds and they are younger than MAX_AGE, else rebuilt.

    Args:
        workspace_id: whose figures; the key is read for this workspace only, so no other's are ever returned.
        now: an instant to compute at; given, the cache is bypassed (neither read nor written).
        money: formats minor units in the signals' sentences; part of the key.
        connected_only: return None, computing nothing, when the workspace has no live Stripe connection.

    Returns:
        The figures; None only with `connected_only` for a workspace without a connection.
    """
    lock = _locks.setdefault(asyncio.get_running_loop(), {}).setdefault(workspace_id, asyncio.Lock())
    async with lock:  # concurrent requests of one workspace wait for one rebuild instead of each running one
        stored_key, connected = await _key(workspace_id)
        if connected_only and not connected:
            return None
        if now is not None:
            return await compute(workspace_id, now, money)
        key = (*stored_key, money)
        kept = _entries.get(workspace_id)
        if kept is not None and kept[0] == key and utcnow() - kept[1].computed_at < MAX_AGE:
            _entries.move_to_end(workspace_id)
            return kept[1]
        revenue = await compute(workspace_id, None, money)
        _entries[workspace_id] = (key, revenue)
        _entries.move_to_end(workspace_id)
        while len(_entries) > MAX_WORKSPACES:
            _entries.popitem(last=False)
        return revenue


# Rebuilds started for pages that don't wait for them; held so the event loop doesn't drop them half-way. Each
# runs on its request's event loop, which may be another thread's (a test client's), hence the condition.
_rebuilding: set[asyncio.Task] = set()
_settled = threading.Condition()


async def kept_or_rebuilding(workspace_id: int, money: Callable[[int], str] = str) -> WorkspaceRevenue | None:
    """The workspace's figures for a page that shows them as hints and must answer in milliseconds (the clients list).

    Fresh kept figures are returned as `workspace_revenue` would. Otherwise a rebuild starts in the background (one
    at a time per workspace, sharing `workspace_revenue`'s lock) and the last kept figures are returned meanwhile,
    or None when this process has none yet: a list page must not wait seconds after every webhook's write. A
    workspace without a live Stripe connection has nothing writing its data: its rebuild is waited for.
    """
    stored_key, connected = await _key(workspace_id)
    kept = _entries.get(workspace_id)
    if kept is not None and kept[0] == (*stored_key, money) and utcnow() - kept[1].computed_at < MAX_AGE:
        return kept[1]
    if not connected:  # nothing writes its data, so one rebuild serves until MAX_AGE: worth waiting for once
        return await workspace_revenue(workspace_id, money=money)
    lock = _locks.setdefault(asyncio.get_running_loop(), {}).setdefault(workspace_id, asyncio.Lock())
    if not lock.locked():
        task = asyncio.create_task(workspace_revenue(workspace_id, money=money))
        with _settled:
            _rebuilding.add(task)
        task.add_done_callback(_rebuilt)
    # Older figures of the same workspace only: its creation time leads the key (an id reused after a restore is not).
    same = kept is not None and kept[0][0] == stored_key[0]
    return kept[1] if same else None


def _rebuilt(task: asyncio.Task) -> None:
    with _settled:
        _rebuilding.discard(task)
        _settled.notify_all()
    if not task.cancelled() and task.exception() is not None:
        log.error("rebuilding a workspace's revenue figures failed", exc_info=task.exception())


async def rebuilt(timeout: float = 120) -> None:
    """Wait until the background rebuilds started so far, on any event loop, have ended (tests use it)."""

    def wait() -> None:
        with _settled:
            if not _settled.wait_for(lambda: not _rebuilding, timeout):
                raise TimeoutError(f"{len(_rebuilding)} revenue rebuild(s) still running after {timeout} s")

    await asyncio.to_thread(wait)


def clear() -> None:
    """Forget every kept figure (tests restart id sequences between them)."""
    _entries.clear()
    _locks.clear()
