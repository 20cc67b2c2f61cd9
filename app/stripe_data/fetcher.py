"""Reading an account's lists concurrently, as fast as its request budget allows and no faster.

Every list is read in `created` windows, each paged newest first with its own cursor. Windows of every list run at
once; the budget (budget.py), not the order of the code, decides the pace. A dispatcher picks the next request:

1. customers first (matching needs them before anything can count as matched);
2. the invoice lines Stripe did not embed: at every budget their endpoint is the long pole, so it runs at its full
   pace from the first invoice page on, and it is one endpoint of several, so the lists keep most of the budget;
3. the last RECENT_DAYS of every other list, so the summary card and the clients page fill with recent months;
4. then older history, the list with the most pages left first.

A window splits when its first pages show it holds more than a few pages and its list is short of windows in flight:
the split point comes from the span of `created` its pages covered, so a large account gets more windows and a small
one stays at one or two. Each window has at most one page in flight; what was fetched goes to the run's writer
(sync.py), and a window's checkpoint (its cursor) only moves once the writer has committed the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from app.stripe_data.budget import BudgetedReader, StripeRefused, StripeUnavailable, endpoint_key
from app.stripe_data.partials import LinesRead, Refusal

PAGE_SIZE = 100
RECENT_DAYS = 90
# A window splits only while at least this many pages are estimated left in it: a small account keeps few windows.
MIN_SPLIT_PAGES = 4
MAX_WINDOWS = 48  # per list; bounds the checkpoint's size
MAX_IN_FLIGHT = 64
# The longest the dispatcher believes a budget's "wait": one set by requests still in flight ends early when they are
# answered (see budget.py).
RECHECK_SECONDS = 0.25
LINES = "lines"


# MRR needs each discount's coupon; Stripe lists both as ids unless asked (see app/stripe_data/mrr.py).
DISCOUNTS = "data.discounts.source.coupon"


@dataclass(frozen=True)
class Stream:
    name: str
    label: str
    path: str
    params: dict = field(default_factory=dict)


STREAMS = (
    Stream("customers", "Customers", "/v1/customers"),
    # The trap: without status=all Stripe leaves canceled subscriptions out of the list.
    Stream("subscriptions", "Subscriptions", "/v1/subscriptions", {"status": "all", "expand": [DISCOUNTS]}),
    Stream("invoices", "Invoices", "/v1/invoices"),
    Stream("charges", "Payments", "/v1/charges"),
    Stream("refunds", "Refunds", "/v1/refunds"),
)
STREAMS_BY_NAME = {stream.name: stream for stream in STREAMS}


@dataclass(eq=False)
class Window:
    """Objects of one list created in [gte, lt) (None: unbounded), read newest first.

    `cursor`, `count` and `done` are the checkpoint: what the writer has committed. The rest is this process's view
    of what has been fetched, which runs ahead of the checkpoint by the pages waiting to be written.
    """

    stream: str
    gte: int | None
    lt: int | None
    cursor: str = ""
    count: int = 0
    done: bool = False
    next_cursor: str = ""
    newest: int | None = None  # created of the first object fetched
    oldest: int | None = None  # created of the last object fetched
    fetched: int = 0
    exhausted: bool = False
    in_flight: bool = False

    def to_json(self) -> dict:
        return {"gte": self.gte, "lt": self.lt, "cursor": self.cursor, "done": self.done, "count": self.count}

    @classmethod
    def from_json(cls, stream: str, data: dict) -> Window:
        window = cls(stream, data.get("gte"), data.get("lt"), data.get("cursor") or "", int(data.get("count") or 0))
        window.done = window.exhausted = bool(data.get("done"))
        window.next_cursor = window.cursor
        return window

    def params(self) -> dict:
        params: dict = {"limit": PAGE_SIZE}
        created = {k: v for k, v in (("gte", self.gte), ("lt", self.lt)) if v is not None}
        if created:
            params["created"] = created
        if self.next_cursor:
            params["starting_after"] = self.next_cursor
        return params

    def remaining_pages(self, floor: int | None) -> float:
        """Pages estimated left, from the density of what was fetched; 0 when there is no basis yet."""
        low = self.gte if self.gte is not None else floor
        if self.exhausted or not self.fetched or self.oldest is None or self.newest is None or low is None:
            return 0.0
        span = max(1, (self.lt or self.newest + 1) - self.oldest)
        return max(0, self.oldest - low) * self.fetched / span / PAGE_SIZE


@dataclass
class LinesJob:
    """The lines of one invoice past those Stripe embedded, paged one request at a time."""

    invoice_id: str
    cursor: str
    collected: list[dict] = field(default_factory=list)


@dataclass
class Plan:
    """Every window of the run and the invoice lines still to read: the run's checkpoint in memory."""

    windows: dict[str, list[Window]]
    recent_start: int
    recent_done: bool = False
    lines_pending: set[str] = field(default_factory=set)
    lines_done: int = 0

    @classmethod
    def load(cls, progress: dict, now: int) -> Plan:
        """From a run's saved progress; a fresh run gets a recent and an older window per list (customers: one)."""
        recent_start = int(progress.get("_recent_start") or now - RECENT_DAYS * 86400)
        windows: dict[str, list[Window]] = {}
        for stream in STREAMS:
            state = progress.get(stream.name)
            if state and "windows" in state:
                windows[stream.name] = [Window.from_json(stream.name, w) for w in state["windows"]]
            elif state:  # a checkpoint from before windows: one window over everything, resumed at its cursor
                windows[stream.name] = [Window.from_json(stream.name, {**state, "gte": None, "lt": None})]
            elif stream.name == "customers":
                windows[stream.name] = [Window(stream.name, None, None)]
            else:
                windows[stream.name] = [
                    Window(stream.name, recent_start, None),
                    Window(stream.name, None, recent_start),
                ]
        return cls(windows, recent_start, bool(progress.get("recent_done")))

    def floor(self) -> int | None:
        """The oldest customer's `created`: nothing but stray charges is older, so splits need not reach further."""
        customers = self.windows["customers"]
        if not all(w.done for w in customers):
            return None
        oldest = [w.oldest for w in customers if w.oldest is not None]
        return min(oldest) if oldest else None

    def is_recent(self, window: Window) -> bool:
        return window.stream == "customers" or (window.gte is not None and window.gte >= self.recent_start)

    def check_recent_done(self) -> bool:
        """Customers, and the last RECENT_DAYS of every list, are written (it stays true once true)."""
        if not self.recent_done:
            self.recent_done = all(w.done for ws in self.windows.values() for w in ws if self.is_recent(w))
        return self.recent_done

    def split(self, name: str, wanted: int) -> Window | None:
        """Split the list's window with the most pages left in two, while it has fewer than `wanted` unfinished.

        The split point is the middle of what is left of the window, from its floor to the oldest object fetched:
        the older half becomes a new window and this one now ends at the split point, keeping its cursor. A window
        with fewer than MIN_SPLIT_PAGES left (a small account) is not split.
        """
        windows = self.windows[name]
        active = [w for w in windows if not w.exhausted]
        if len(active) >= wanted or len(windows) >= MAX_WINDOWS:
            return None
        floor = self.floor()
        largest = max(active, key=lambda w: w.remaining_pages(floor), default=None)
        if largest is None or largest.remaining_pages(floor) < MIN_SPLIT_PAGES or largest.oldest is None:
            return None
        low = largest.gte if largest.gte is not None else floor
        mid = (low + largest.oldest) // 2
        if not low < mid <= largest.oldest:
            return None
        older = Window(name, largest.gte, mid)
        windows.append(older)
        largest.gte = mid
        return older

    def to_progress(self, since: int) -> dict:
        progress: dict = {"_since": since, "_recent_start": self.recent_start, "recent_done": self.recent_done}
        floor = self.floor()
        for name, windows in self.windows.items():
            count = sum(w.count for w in windows)
            done = all(w.done for w in windows)
            progress[name] = {
                "count": count,
                "done": done,
                "estimate": count if done else _estimate(windows, floor, count),
                "windows": [w.to_json() for w in windows],
            }
        progress[LINES] = {"pending": len(self.lines_pending), "done": self.lines_done}
        return progress


def _estimate(windows: list[Window], floor: int | None, count: int) -> int | None:
    """A list's total: Stripe has no counts, so extrapolate the density its windows have shown over what is left.

    None while there is no basis: nothing fetched yet, or an unbounded window before the oldest customer is known.
    """
    seen = [w for w in windows if w.fetched and w.oldest is not None and w.newest is not None]
    span = sum(max(1, (w.lt or w.newest + 1) - w.oldest) for w in seen)
    if not seen:
        return None
    density = sum(w.fetched for w in seen) / span
    left = 0.0
    for window in windows:
        if window.done:
            continue
        if window.fetched:
            left += window.remaining_pages(floor) * PAGE_SIZE
            continue
        low = window.gte if window.gte is not None else floor
        if low is None:
            return None
        left += max(0, (window.lt or int(time.time())) - low) * density
    return max(count + 1, int(round(count + left, -2)))


@dataclass
class Fetched:
    """One page of a window, fetched and not yet written."""

    window: Window
    objects: list[dict]
    cursor: str
    exhausted: bool


@dataclass
class LinesFetched:
    invoice_id: str
    read: LinesRead


Deliver = Callable[[Fetched | LinesFetched], Awaitable[None]]


class Fetcher:
    """Dispatches the plan's requests within the budget, at most one page in flight per window."""

    def __init__(
        self, plan: Plan, reader: BudgetedReader, deliver: Deliver, per_second: int, per_endpoint: int
    ) -> None:
        self.plan, self.reader, self.deliver = plan, reader, deliver
        self.lines: deque[LinesJob] = deque()
        self.in_flight = 0
        self.limit = min(MAX_IN_FLIGHT, max(4, per_second))
        self.latency = 0.0  # moving average of a request's seconds, to size how many windows keep an endpoint busy
        self.per_endpoint = per_endpoint
        self._woken = asyncio.Event()
        self._waits: list[float] = []
        self._not_before: dict[str, float] = {}  # endpoint -> when the budget may have room for it again
        self._pool = ThreadPoolExecutor(self.limit, thread_name_prefix="stripe-sync")

    def queue_lines(self, invoice_id: str, cursor: str = "") -> None:
        if invoice_id not in self.plan.lines_pending:
            self.plan.lines_pending.add(invoice_id)
            self.lines.append(LinesJob(invoice_id, cursor))

    async def run(self) -> None:
        try:
            async with asyncio.TaskGroup() as jobs:
                while True:
                    candidates = self._candidates()
                    if not candidates and not self.in_flight:
                        return
                    if self._dispatch(candidates, jobs):
                        continue  # what is ready has changed: look again before waiting
                    waits = [] if self.in_flight >= self.limit else self._waits
                    self._woken.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._woken.wait(), min(waits) if waits else None)
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _dispatch(self, candidates: list, jobs: asyncio.TaskGroup) -> bool:
        """Start the best candidate with room in the budget for its endpoint; False (and the waits) when none has."""
        self._waits = []
        now = time.monotonic()
        for _, endpoint, start in candidates:
            if self.in_flight >= self.limit:
                return False
            # Each question is a round trip to Redis on the event loop, which the writer shares: ask no sooner than
            # the budget said, rather than every endpoint again after every request.
            if now < (not_before := self._not_before.get(endpoint, 0.0)):
                self._waits.append(not_before - now)
                continue
            wait = self.reader.budget.try_acquire(self.reader.account_id, endpoint)
            if wait > 0:
                wait = min(wait, RECHECK_SECONDS)
                self._not_before[endpoint] = now + wait
                self._waits.append(wait)
                continue
            work = start()  # claims the window or the lines job now, before the loop looks at candidates again
            job = self._run_job(work)
            try:
                jobs.create_task(job)
            except RuntimeError:  # the group is shutting down after a failed request: start nothing more
                job.close()
                work.close()
                raise
            self.in_flight += 1
            return True
        return False

    def _candidates(self) -> list[tuple[tuple, str, Callable[[], Coroutine[None, None, None]]]]:
        """The best next request of each endpoint, best endpoint first, each as a claim that returns its job."""
        floor = self.plan.floor()
        found: list[tuple[tuple, str, Callable[[], Coroutine[None, None, None]]]] = []
        for stream in STREAMS:
            windows = self.plan.windows[stream.name]
            ready = [w for w in windows if not w.exhausted and not w.in_flight]
            if not ready:
                continue
            best = max(ready, key=lambda w: (self.plan.is_recent(w), w.lt or math.inf))
            left = sum(w.remaining_pages(floor) for w in windows if not w.exhausted)
            rank = 0 if stream.name == "customers" else 2 if self.plan.is_recent(best) else 3
            found.append(((rank, -left), endpoint_key(stream.path), functools.partial(self._claim_page, stream, best)))
        if self.lines:
            job = self.lines[0]
            found.append(((1, -len(self.lines)), endpoint_key(_lines_path(job.invoice_id)), self._claim_lines))
        found.sort(key=lambda item: item[0])
        return found

    def _claim_page(self, stream: Stream, window: Window) -> Coroutine[None, None, None]:
        window.in_flight = True
        return self._page(stream, window)

    def _claim_lines(self) -> Coroutine[None, None, None]:
        return self._next_lines(self.lines.popleft())

    async def _run_job(self, job: Coroutine[None, None, None]) -> None:
        try:
            await job
        finally:
            self.in_flight -= 1
            self._woken.set()

    async def _get(self, path: str, params: dict, what: str) -> dict:
        started = time.monotonic()
        call = functools.partial(self.reader.get, path, budget_taken=True, **params)
        try:
            page = await asyncio.get_running_loop().run_in_executor(self._pool, call)
        except StripeUnavailable as exc:
            exc.what = what  # the run's error message names what it was reading
            raise
        took = time.monotonic() - started
        self.latency = 0.8 * self.latency + 0.2 * took if self.latency else took
        return page

    async def _page(self, stream: Stream, window: Window) -> None:
        try:
            page = await self._get(stream.path, {**window.params(), **stream.params}, stream.label.lower())
        finally:
            window.in_flight = False
        data = page.get("data") or []
        # A split may have raised this window's floor while the page was in flight: what is below it is the new
        # window's to read, so it is neither written nor counted twice.
        kept = [o for o in data if window.gte is None or int(o.get("created") or 0) >= window.gte]
        exhausted = not page.get("has_more") or not data or len(kept) < len(data)
        if kept:
            window.next_cursor = kept[-1]["id"]
            window.newest = window.newest if window.newest is not None else int(kept[0].get("created") or 0)
            window.oldest = int(kept[-1].get("created") or 0)
            window.fetched += len(kept)
        window.exhausted = exhausted
        if stream.name == "invoices":
            for invoice in kept:
                lines = invoice.get("lines") or {}
                if lines.get("has_more"):
                    self.queue_lines(invoice["id"], ((lines.get("data") or [{}])[-1]).get("id") or "")
        await self.deliver(Fetched(window, kept, window.next_cursor, exhausted))
        self._maybe_split(stream.name)

    async def _next_lines(self, job: LinesJob) -> None:
        params = {"limit": PAGE_SIZE, **({"starting_after": job.cursor} if job.cursor else {})}
        try:
            page = await self._get(_lines_path(job.invoice_id), params, "invoice lines")
        except StripeRefused as exc:
            # One invoice's lines refused is stored partial; the rest of the account syncs on (see partials.py).
            await self.deliver(
                LinesFetched(job.invoice_id, LinesRead(refusal=Refusal(exc.status, exc.code, exc.stripe_message)))
            )
            return
        job.collected.extend(page.get("data") or [])
        if page.get("has_more") and page.get("data"):
            job.cursor = page["data"][-1]["id"]
            self.lines.appendleft(job)  # finish what was started before opening more invoices
            return
        await self.deliver(LinesFetched(job.invoice_id, LinesRead(lines=job.collected)))

    def _maybe_split(self, name: str) -> None:
        """Give the list another window while it has fewer unfinished than it takes to keep its endpoint busy."""
        self.plan.split(name, wanted=max(2, math.ceil(self.per_endpoint * max(self.latency, 0.05) * 1.5)))


def _lines_path(invoice_id: str) -> str:
    return f"/v1/invoices/{invoice_id}/lines"
