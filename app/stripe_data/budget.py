"""The request budget for a connected account, and the retrying, budgeted reader the sync uses.

The agency's own systems share the account's Stripe rate limit with us, so every request must fit in two limits: the
account's (default 25 req/s) and the endpoint's (default 10 req/s). Stripe counts the requests that ARRIVE in any
sliding second, and a request can be held up on its way there (a busy thread, a busy server): a pace set on the
sending side only holds with headroom for that, and the headroom cost a fifth of the budget. So the budget keeps, per
account and per account and endpoint, a log of its requests and of how long each may still share an arriving second
with a new one, and lets no more than N (the rate) share one:
- an answered request counts until a second after the latest it can have arrived: its answer (when the response came
  in, see BudgetedReader._send), less the least time a server holds a request, taken as half the quickest round trip
  yet. A request held up on the way is answered late and so counts longer: however late arrivals are, no N + 1 share
  a second, and when none is held up a request counts little more than a second;
- a request not answered yet counts until it is (IN_FLIGHT at most: one lost is forgotten);
- any request counts for WINDOW at least, in case the quickest round trip misjudged the server.
A burst of N is fine for Stripe, but a server slowed by a burst holds up the burst as a whole; so sends to one key are
also at least SPREAD of an even pace apart, and a late request's successors can still catch up at twice the pace.
With REDIS_URL set, the logs live in Redis so every Huey consumer on every machine shares them;
in the embedded SQLite mode there is one consumer process, so per-process logs are enough
(several processes on SQLite would each get the full budget: run Redis for that).
"""

from __future__ import annotations

import logging
import random
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import stripe

from app.integrations.stripe_client import ANSWERED, ConnectedAccountReader, read_only_client
from app.settings import Settings, get_settings

log = logging.getLogger(__name__)

WINDOW = 1.05  # seconds a request counts at least, answered or not
SPREAD = 0.5  # of an even pace: the least gap between two sends to one key
IN_FLIGHT = 3.0  # seconds a request not answered yet counts at most
# A wait computed as exactly "until the oldest send leaves the window" can land at 1e-17 s, which a float clock cannot
# even advance by: below this the request goes, so acquire never spins.
_EPSILON = 1e-9
_POLL = 0.05  # acquire's longest sleep: a request in flight may be answered, and free its place, any moment
_ID_SEGMENT = re.compile(r"/[a-z]{2,6}_[A-Za-z0-9]+(?=/|$)")
# Stripe answers these when the platform may no longer act on the account.
REVOKED_CODES = {"account_invalid", "platform_api_key_expired", "platform_account_required"}


def endpoint_key(path: str) -> str:
    """`/v1/invoices/in_123/lines` -> `/v1/invoices/{id}/lines`: Stripe limits per endpoint, not per object."""
    return _ID_SEGMENT.sub("/{id}", path.split("?", 1)[0])


class Budget(Protocol):
    def try_acquire(self, account_id: str, endpoint: str) -> float: ...

    def answered(self, account_id: str, endpoint: str, arrived_before: float) -> None: ...

    def hold(self, account_id: str, seconds: float) -> None: ...

    def acquire(self, account_id: str, endpoint: str) -> None: ...


@dataclass
class _Sent:
    at: float
    until: float
    answered: bool = False


class LocalBudget:
    """The logs in this process (thread-safe)."""

    def __init__(
        self,
        per_second: int,
        per_endpoint: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        window: float = WINDOW,
    ) -> None:
        self.limits = (per_second, per_endpoint)
        self.window = window
        self.gaps = tuple(window / limit * SPREAD for limit in self.limits)
        self.clock, self.sleep = clock, sleep
        self._sent: dict[str, list[_Sent]] = {}  # key -> requests that may still share a second, in sending order
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def _wait(self, key: str, limit: int, gap: float, now: float) -> float:
        """Seconds until `key` has room for one more request (0: room now)."""
        sent = self._sent[key] = [s for s in self._sent.get(key, ()) if s.until > now]
        wait = self._last.get(key, -gap) + gap - now
        if len(sent) >= limit:
            wait = max(wait, sorted(s.until for s in sent)[len(sent) - limit] - now)
        return wait if wait > _EPSILON else 0.0

    def _keys(self, account_id: str, endpoint: str) -> tuple[str, str]:
        return account_id, f"{account_id} {endpoint}"

    def try_acquire(self, account_id: str, endpoint: str) -> float:
        """Log a request in both keys and return 0, or log none and return the seconds to wait before trying again."""
        keys = self._keys(account_id, endpoint)
        with self._lock:
            now = self.clock()
            wait = max(self._wait(*state, now) for state in zip(keys, self.limits, self.gaps, strict=True))
            if wait == 0:
                for key in keys:
                    self._sent[key].append(_Sent(now, now + IN_FLIGHT))
                    self._last[key] = now
            return wait

    def answered(self, account_id: str, endpoint: str, arrived_before: float) -> None:
        """A request to the endpoint, answered now, arrived at least `arrived_before` seconds ago: it counts until a
        second after that.

        Which one is not known, so the oldest in flight is taken as answered: the ones left in flight were sent
        later, so they count at least as long as the one that was really answered would have.
        """
        with self._lock:
            now = self.clock()
            for key in self._keys(account_id, endpoint):
                waiting = next((s for s in self._sent.get(key, ()) if not s.answered), None)
                if waiting is not None:
                    waiting.answered = True
                    waiting.until = max(waiting.at + self.window, now + 1 - arrived_before)

    def acquire(self, account_id: str, endpoint: str) -> None:
        while (wait := self.try_acquire(account_id, endpoint)) > 0:
            self.sleep(min(wait, _POLL))

    def hold(self, account_id: str, seconds: float) -> None:
        """No request to the account for `seconds`: its log fills with requests that count that long."""
        with self._lock:
            until = self.clock() + seconds
            self._sent.setdefault(account_id, []).extend(_Sent(until, until, True) for _ in range(self.limits[0]))


# Each key K is a sorted set of requests by when they stop counting, K:f the requests in flight by when they were
# sent, and K:s the last send. Redis's own clock, so that consumers on several machines agree.
_REDIS_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1e6
local ttl = math.ceil(IN_FLIGHT * 1000) + 1000
""".replace("IN_FLIGHT", repr(IN_FLIGHT))

# KEYS: the account's, the endpoint's. ARGV: window, spread, a member id for this request, the two limits.
_REDIS_ACQUIRE = (
    _REDIS_NOW
    + """
local window, spread = tonumber(ARGV[1]), tonumber(ARGV[2])
local wait = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[i + 3])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local last = tonumber(redis.call('GET', key .. ':s'))
  if last then wait = math.max(wait, last + window / limit * spread - now) end
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local nth = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    wait = math.max(wait, tonumber(nth[2]) - now)
  end
end
if wait > 1e-9 then return tostring(wait) end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + IN_FLIGHT, ARGV[3])
  redis.call('ZADD', key .. ':f', now, ARGV[3])
  redis.call('ZREMRANGEBYSCORE', key .. ':f', '-inf', now - IN_FLIGHT)
  redis.call('SET', key .. ':s', tostring(now), 'PX', ttl)
  redis.call('PEXPIRE', key, ttl)
  redis.call('PEXPIRE', key .. ':f', ttl)
end
return '0'
""".replace("IN_FLIGHT", repr(IN_FLIGHT))
)

# KEYS: the account's, the endpoint's. ARGV: window, arrived_before. The oldest in flight counts as answered
# (see LocalBudget.answered).
_REDIS_ANSWERED = (
    _REDIS_NOW
    + """
for i, key in ipairs(KEYS) do
  local oldest = redis.call('ZRANGE', key .. ':f', 0, 0, 'WITHSCORES')
  if oldest[1] then
    redis.call('ZREM', key .. ':f', oldest[1])
    redis.call('ZADD', key, math.max(tonumber(oldest[2]) + tonumber(ARGV[1]), now + 1 - tonumber(ARGV[2])), oldest[1])
  end
end
return 'ok'
"""
)

# KEYS: the account's. ARGV: seconds, a member id prefix, the account's limit.
_REDIS_HOLD = (
    _REDIS_NOW
    + """
for i = 1, tonumber(ARGV[3]) do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2] .. i) end
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[1]) * 1000) + ttl)
return 'ok'
"""
)


class RedisBudget:
    """The same logs in Redis, updated atomically by scripts, shared by every process."""

    def __init__(self, url: str, per_second: int, per_endpoint: int, prefix: str, window: float = WINDOW) -> None:
        import redis  # noqa: PLC0415 (only deployments on Redis load the client)

        self.redis = redis.Redis.from_url(url)
        self._acquire = self.redis.register_script(_REDIS_ACQUIRE)
        self._answered = self.redis.register_script(_REDIS_ANSWERED)
        self._hold = self.redis.register_script(_REDIS_HOLD)
        self.limits = (per_second, per_endpoint)
        self.window = window
        self.prefix = prefix
        self._spaced: dict[str, float] = {}  # key -> when this process's last send to it is SPREAD behind (monotonic)

    def _keys(self, account_id: str, endpoint: str) -> list[str]:
        return [f"{self.prefix}:{account_id}", f"{self.prefix}:{account_id}:{endpoint}"]

    def try_acquire(self, account_id: str, endpoint: str) -> float:
        keys = self._keys(account_id, endpoint)
        now = time.monotonic()
        # Redis would say as much, and the dispatcher asks on its event loop: a round trip saved is time for the writer.
        if (spaced := max(self._spaced.get(key, 0.0) for key in keys) - now) > 0:
            return spaced
        sent = secrets.token_hex(8)  # each request is its own member, whichever process sent it
        wait = max(0.0, float(self._acquire(keys=keys, args=[self.window, SPREAD, sent, *self.limits])))
        if wait == 0:
            for key, limit in zip(keys, self.limits, strict=True):
                self._spaced[key] = now + self.window / limit * SPREAD
        return wait

    def answered(self, account_id: str, endpoint: str, arrived_before: float) -> None:
        self._answered(keys=self._keys(account_id, endpoint), args=[self.window, arrived_before])

    def acquire(self, account_id: str, endpoint: str) -> None:
        while (wait := self.try_acquire(account_id, endpoint)) > 0:
            time.sleep(min(wait, _POLL))

    def hold(self, account_id: str, seconds: float) -> None:
        held = f"hold:{secrets.token_hex(8)}:"
        self._hold(keys=[f"{self.prefix}:{account_id}"], args=[seconds, held, self.limits[0]])


@lru_cache(maxsize=4)
def _shared_budget(redis_url: str | None, name: str, per_second: int, per_endpoint: int) -> Budget:
    if redis_url:
        # Keyed by the queue's name: the processes of one deployment share both.
        return RedisBudget(redis_url, per_second, per_endpoint, prefix=f"{name}:stripe-budget")
    return LocalBudget(per_second, per_endpoint)


def budget_for(settings: Settings | None = None) -> Budget:
    """The budget every sync in this process shares (Redis-backed when REDIS_URL is set)."""
    settings = settings or get_settings()
    return _shared_budget(
        settings.redis_url,
        settings.huey_name,
        settings.stripe_requests_per_second,
        settings.stripe_requests_per_endpoint,
    )


@dataclass(frozen=True)
class RetryPolicy:
    """How 429/5xx answers are retried. `scale` shrinks every wait (tests use a tiny one)."""

    attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 30.0
    scale: float = 1.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
        return max(backoff, retry_after or 0.0) * self.scale


class AccessRevoked(Exception):
    """Stripe refuses us access to the account (deauthorized, revoked key): syncing cannot go on."""


class StripeUnavailable(Exception):
    """Stripe kept failing after every retry; the message is safe to show."""


class StripeRefused(StripeUnavailable):
    """Stripe refused this one request with a 4xx that retrying cannot fix and that is not about the account.

    A list refused this way still fails the run (it is a StripeUnavailable); one object's sub-resource
    (an invoice's lines) is recorded as partial instead, so the rest of the account syncs on.
    """

    def __init__(self, message: str, status: int, code: str, stripe_message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.stripe_message = status, code, stripe_message


def _header(exc: stripe.StripeError, name: str) -> str | None:
    headers = exc.headers or {}
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:  # an HTTP date: rare from Stripe, and our own backoff is a fine substitute
        return None


def is_revoked(exc: stripe.StripeError) -> bool:
    code = exc.code or ((exc.json_body or {}).get("error") or {}).get("code")
    return exc.http_status == 401 or (exc.http_status == 403 and (code in REVOKED_CODES or code is None))


def _refusal(exc: stripe.StripeError, endpoint: str) -> StripeUnavailable:
    message = f"Stripe kept answering {exc.http_status or 'a network error'} for {endpoint}."
    status = exc.http_status or 0
    # 403s that is_revoked lets through still concern the whole account, never one object.
    if 400 <= status < 500 and status not in (401, 403, 429):
        error = (exc.json_body or {}).get("error") or {}
        return StripeRefused(message, status, str(exc.code or error.get("code") or ""), str(error.get("message") or ""))
    return StripeUnavailable(message)


def _retryable(exc: stripe.StripeError) -> bool:
    should = _header(exc, "stripe-should-retry")
    if should is not None:
        return should.lower() == "true"
    status = exc.http_status or 0
    return isinstance(exc, stripe.APIConnectionError) or status == 429 or status >= 500


class BudgetedReader:
    """GETs through the read-only client, within the account's budget, retrying what Stripe says to retry."""

    def __init__(
        self,
        account_id: str,
        budget: Budget | None = None,
        retry: RetryPolicy | None = None,
        reader: ConnectedAccountReader | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.account_id = account_id
        self.reader = reader or read_only_client(account_id)
        self.budget = budget or budget_for()
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.requests = 0
        self.retries = 0
        self.fastest = 0.0  # the quickest answer yet: a server takes at least half of it after a request arrives
        self._count = threading.Lock()  # the concurrent backfill calls get() from several threads

    def get(self, path: str, *, budget_taken: bool = False, **params: Any) -> dict[str, Any]:
        """GET `path`; `budget_taken`: the caller already took this first attempt's place in the budget (fetcher.py)."""
        endpoint = endpoint_key(path)
        for attempt in range(1, self.retry.attempts + 1):
            if attempt > 1 or not budget_taken:
                self.budget.acquire(self.account_id, endpoint)
            with self._count:
                self.requests += 1
            try:
                return self._send(path, endpoint, params)
            except stripe.StripeError as exc:
                if is_revoked(exc):
                    raise AccessRevoked(f"{exc.http_status} {exc.code or ''}".strip()) from None
                if not _retryable(exc) or attempt == self.retry.attempts:
                    log.warning(
                        "stripe GET %s for %s failed: %s %s",
                        endpoint,
                        self.account_id,
                        exc.http_status,
                        type(exc).__name__,
                    )
                    raise _refusal(exc, endpoint) from None
                delay = self.retry.delay(attempt, _seconds(_header(exc, "retry-after")))
                if exc.http_status == 429:
                    # Stripe says the account is over its limit: every request to it waits, not only this one.
                    self.budget.hold(self.account_id, delay)
                with self._count:
                    self.retries += 1
                self.sleep(delay)
        raise AssertionError("unreachable")

    def _send(self, path: str, endpoint: str, params: dict[str, Any]) -> dict[str, Any]:
        """One request; whatever the answer, the budget learns when it came (see the module's docstring)."""
        sent = time.monotonic()
        try:
            return self.reader.get(path, **params)
        finally:
            now = time.monotonic()
            answered = getattr(ANSWERED, "at", 0.0)
            answered = answered if sent <= answered <= now else now  # a reader of another kind (tests) says nothing
            took = answered - sent
            self.fastest = min(self.fastest, took) if self.fastest else took
            self.budget.answered(self.account_id, endpoint, arrived_before=now - answered + self.fastest / 2)
