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

    @property
    def active(self) -> bool:
        return self.run.status in (SyncStatus.queued.value, SyncStatus.running.value)

    @property
    def failed(self) -> bool:
        return self.run.status == SyncStatus.failed.value

    @property
    def retry_every(self) -> str:
        """How often objects Stripe would not give completely are asked for again, in words."""
        return catchup_every()


async def sync_view(workspace_id: int, account_id: str | None = None) -> SyncView | None:
    """The latest sync of the workspace (of `account_id` when given) with counts per object type."""
    run = await latest_run(workspace_id, account_id)
    if run is None:
        return None
    progress = load_progress(run)
    streams = []
    for stream in STREAMS:
        state = progress.get(stream.name) or {}
        streams.append(
            StreamView(
                stream.name, stream.label, int(state.get("count") or 0), state.get("estimate"), bool(state.get("done"))
            )
        )
    return SyncView(run, streams)
