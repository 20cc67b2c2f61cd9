"""What the Stripe card shows about the latest sync: its status and a count (and estimate) per object type."""

from __future__ import annotations

from dataclasses import dataclass

from app.stripe_data.sync import STREAMS, catchup_every, latest_run, load_progress
from app.stripe_data.tables import SyncRun, SyncStatus


@dataclass(frozen=True)
class StreamView:
    name: str
    label: str
    count: int
    estimate: int | None
    done: bool

    @property
    def text(self) -> str:
        if self.done:
            return f"{self.label} {self.count:,}"
        if self.estimate:
            return f"{self.label} {self.count:,} of ~{self.estimate:,}"
        return f"{self.label} {self.count:,} so far"

    @property
    def percent(self) -> int | None:
        if self.done:
            return 100
        return min(99, int(100 * self.count / self.estimate)) if self.estimate else None


@dataclass(frozen=True)
class SyncView:
    """What the Stripe card shows about the latest sync."""

    run: SyncRun
    streams: list[StreamView]
    # Every customer and the last 90 days of every other list are written and matched (the engine says so).
    recent_done: bool = False
    # Invoices whose lines past the first 10 are still to be read: their totals are known, their line items not yet.
    lines_pending: int = 0

    @property
    def active(self) -> bool:
        return self.run.status in (SyncStatus.queued.value, SyncStatus.running.value)

    @property
    def failed(self) -> bool:
        return self.run.status == SyncStatus.failed.value

    @property
    def importing_older(self) -> bool:
        return self.active and self.recent_done

    @property
    def percent(self) -> int | None:
        """The whole sync's progress over the object types that have an estimate; never 100 while it still runs.

        None while no type has a basis for an estimate (a percent of nothing known would be made up).
        """
        if not self.active:
            return 100 if self.run.status == SyncStatus.done.value else None
        known = [s for s in self.streams if s.done or s.estimate]
        if not known:
            return None
        total = sum(s.count if s.done else max(s.estimate or 0, s.count) for s in known)
        if not total:
            return None
        return min(99, int(100 * sum(s.count for s in known) / total))

    @property
    def retry_every(self) -> str:
        """How often objects Stripe would not give completely are asked for again, in words."""
        return catchup_every()


def view_of(run: SyncRun) -> SyncView:
    """The card's view of one run, from its progress JSON (old runs may lack `recent_done` and `lines`)."""
    progress = load_progress(run)
    streams = []
    for stream in STREAMS:
        state = progress.get(stream.name) or {}
        streams.append(
            StreamView(
                stream.name, stream.label, int(state.get("count") or 0), state.get("estimate"), bool(state.get("done"))
            )
        )
    lines = progress.get("lines") or {}
    return SyncView(
        run, streams, recent_done=bool(progress.get("recent_done")), lines_pending=int(lines.get("pending") or 0)
    )


async def sync_view(workspace_id: int, account_id: str | None = None) -> SyncView | None:
    """The latest sync of the workspace (of `account_id` when given) with counts per object type."""
    run = await latest_run(workspace_id, account_id)
    return None if run is None else view_of(run)
