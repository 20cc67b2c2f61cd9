"""What the Stripe stand-in's request log says about a sync's pace: its ceiling under a budget, and its peaks.

The stand-in logs each request when it answers, with how long it took; the budget governs when requests are SENT, so
every figure here uses the arrival (`time - duration_ms / 1000`), not the answer time, which trails it by the
injected latency and would smear one second's requests over the next.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from stripe_standin.faults import endpoint_key

RATE_LIMITED = 429
# Float noise only (1.04 - 0.04 is not quite 1.0): a request a whole second after another is in the next window.
_EPSILON = 1e-9


def arrival(row: dict) -> float:
    return float(row["time"]) - float(row.get("duration_ms") or 0) / 1000


def peak_in_any_second(times: Iterable[float], window: float = 1.0) -> int:
    """The most requests that arrived within any `window` seconds ([t, t + window), t anywhere).

    A fullest window can always be slid right until it starts at a request, so trying each request as the start
    is enough.
    """
    ordered = sorted(times)
    peak, end = 0, 0
    for start, first in enumerate(ordered):
        end = max(end, start)
        while end < len(ordered) and ordered[end] - first < window - _EPSILON:
            end += 1
        peak = max(peak, end - start)
    return peak


@dataclass(frozen=True)
class Pace:
    """One sync's requests, as the stand-in saw them."""

    gets: int
    gets_by_endpoint: dict[str, int]
    peak_account: int
    peak_by_endpoint: dict[str, int]
    rate_limited: int
    span: float  # seconds from the first request's arrival to the last one's answer

    @property
    def peak_endpoint(self) -> int:
        return max(self.peak_by_endpoint.values(), default=0)

    def ceiling(self, per_second: float, per_endpoint: float) -> float:
        """The fewest seconds a budget allows for these GETs: the account's rate, or the busiest endpoint's.

        Requests a 429 turned away still count: the budget paid a token for each.
        """
        busiest = max(self.gets_by_endpoint.values(), default=0)
        return max(self.gets / per_second, busiest / per_endpoint)

    def over_budget(self, per_second: int, per_endpoint: int) -> list[str]:
        """Every peak above the budget, described; empty when the sync kept to it."""
        over = [f"account: {self.peak_account}/s > {per_second}/s"] if self.peak_account > per_second else []
        over += [
            f"{endpoint}: {peak}/s > {per_endpoint}/s"
            for endpoint, peak in sorted(self.peak_by_endpoint.items())
            if peak > per_endpoint
        ]
        return over


def pace(rows: Sequence[dict]) -> Pace:
    """Summarise one account's request log (`standin.requests(account=...)`), every method included in the peaks,
    since Stripe's limits count every request; the ceiling counts GETs, all a sync sends."""
    by_endpoint: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        by_endpoint[endpoint_key(row["method"], row["path"])].append(arrival(row))
    gets = Counter(endpoint_key(r["method"], r["path"]) for r in rows if r["method"] == "GET")
    return Pace(
        gets=sum(gets.values()),
        gets_by_endpoint=dict(gets),
        peak_account=peak_in_any_second(arrival(r) for r in rows),
        peak_by_endpoint={endpoint: peak_in_any_second(times) for endpoint, times in by_endpoint.items()},
        rate_limited=sum(1 for r in rows if r["status"] == RATE_LIMITED),
        span=max((float(r["time"]) for r in rows), default=0.0) - min((arrival(r) for r in rows), default=0.0),
    )
