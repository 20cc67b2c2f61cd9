"""The request budget for a connected account, and the retrying, budgeted reader the sync uses.

The agency's own systems share the account's Stripe rate limit with us, so every request first takes
a token from two buckets: the account's (default 25 req/s) and the endpoint's (default 10 req/s).
Stripe counts requests per second as they arrive. A bucket that let a whole second's worth through at once and then
refilled would put up to twice the budget into one second, so each bucket holds a single token (requests are evenly
spaced) and paces below the budget (HEADROOM), so that jitter on the way never lands a second over it. The account's
bucket keeps more headroom than an endpoint's: at the default budget an endpoint (invoice lines) is the long pole,
and on a loaded machine `make bench` saw a second's requests bunch by up to three on the account and two on an
endpoint.
With REDIS_URL set, the buckets live in Redis so every Huey consumer on every machine shares them;
in the embedded SQLite mode there is one consumer process, so per-process buckets are enough
(several processes on SQLite would each get the full budget: run Redis for that).
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import stripe

from app.integrations.stripe_client import ConnectedAccountReader, read_only_client
from app.settings import Settings, get_settings

log = logging.getLogger(__name__)

# A refill computed as exactly "one token's worth of time" can land at 0.999999...: without this slack
# the next wait is ~1e-17 s, which a float clock cannot even advance by, and acquire spins forever.
_EPSILON = 1e-9
HEADROOM = (0.8, 0.85)  # of the account's rate, of an endpoint's
_ID_SEGMENT = re.compile(r"/[a-z]{2,6}_[A-Za-z0-9]+(?=/|$)")
# Stripe answers these when the platform may no longer act on the account.
REVOKED_CODES = {"account_invalid", "platform_api_key_expired", "platform_account_required"}


def endpoint_key(path: str) -> str:
    """`/v1/invoices/in_123/lines` -> `/v1/invoices/{id}/lines`: Stripe limits per endpoint, not per object."""
    return _ID_SEGMENT.sub("/{id}", path.split("?", 1)[0])


class Budget(Protocol):
    def try_acquire(self, account_id: str, endpoint: str) -> float: ...

    def hold(self, account_id: str, seconds: float) -> None: ...

    def acquire(self, account_id: str, endpoint: str) -> None: ...


class LocalBudget:
    """Token buckets in this process (thread-safe): one token each, refilled at HEADROOM of the rates."""

    def __init__(
        self,
        per_second: int,
        per_endpoint: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rates = (per_second * HEADROOM[0], per_endpoint * HEADROOM[1])
        self.clock, self.sleep = clock, sleep
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._lock = threading.Lock()

    def _take(self, key: str, rate: float, now: float) -> float:
        """Seconds until a token is available in `key` (0 means it is available now; nothing taken)."""
        tokens, last = self._buckets.get(key, (1.0, now))
        tokens = min(1.0, tokens + (now - last) * rate)
        self._buckets[key] = (tokens, now)
        return 0.0 if tokens >= 1 - _EPSILON else (1 - tokens) / rate

    def try_acquire(self, account_id: str, endpoint: str) -> float:
        """Take both tokens and return 0, or take none and return the seconds to wait before trying again."""
        keys = (f"{account_id}", f"{account_id} {endpoint}")
        with self._lock:
            now = self.clock()
            wait = max(self._take(key, rate, now) for key, rate in zip(keys, self.rates, strict=True))
            if wait == 0:
                for key in keys:
                    tokens, last = self._buckets[key]
                    self._buckets[key] = (tokens - 1, last)
            return wait

    def acquire(self, account_id: str, endpoint: str) -> None:
        while (wait := self.try_acquire(account_id, endpoint)) > 0:
            self.sleep(wait)

    def hold(self, account_id: str, seconds: float) -> None:
        """No request to the account for `seconds`: its bucket owes that much refill before the next token."""
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.get(account_id, (1.0, now))
            tokens = min(1.0, tokens + (now - last) * self.rates[0])
            self._buckets[account_id] = (min(tokens, 1.0 - seconds * self.rates[0]), now)


_REDIS_BUCKETS = """
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[i + 1])
  local state = redis.call('HMGET', key, 't', 'ts')
  local tokens = tonumber(state[1]) or 1
  local ts = tonumber(state[2]) or now
  tokens = math.min(1, tokens + math.max(0, now - ts) * rate)
  redis.call('HSET', key, 't', tokens, 'ts', now)
  redis.call('EXPIRE', key, 60)
  if tokens < 1 - 1e-9 then wait = math.max(wait, (1 - tokens) / rate) end
end
if wait == 0 then
  for i, key in ipairs(KEYS) do redis.call('HINCRBYFLOAT', key, 't', -1) end
end
return tostring(wait)
"""


class RedisBudget:
    """The same buckets in Redis, updated atomically by a script, shared by every process."""

    def __init__(self, url: str, per_second: int, per_endpoint: int, prefix: str) -> None:
        import redis  # noqa: PLC0415 (only deployments on Redis load the client)

        self.redis = redis.Redis.from_url(url)
        self.script = self.redis.register_script(_REDIS_BUCKETS)
        self.rates = (per_second * HEADROOM[0], per_endpoint * HEADROOM[1])
        self.prefix = prefix

    def try_acquire(self, account_id: str, endpoint: str) -> float:
        keys = [f"{self.prefix}:{account_id}", f"{self.prefix}:{account_id}:{endpoint}"]
        # Wall-clock time: processes on several machines compare it (NTP-synced hosts are close enough).
        return max(0.0, float(self.script(keys=keys, args=[time.time(), *self.rates])))

    def acquire(self, account_id: str, endpoint: str) -> None:
        while (wait := self.try_acquire(account_id, endpoint)) > 0:
            time.sleep(wait)

    def hold(self, account_id: str, seconds: float) -> None:
        key = f"{self.prefix}:{account_id}"
        # Owing `seconds` of refill, like LocalBudget.hold; a concurrent refill can only shorten the hold a little.
        self.redis.hset(key, mapping={"t": 1.0 - seconds * self.rates[0], "ts": time.time()})
        self.redis.expire(key, 60 + int(seconds))


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
        self._count = threading.Lock()  # the concurrent backfill calls get() from several threads

    def get(self, path: str, *, budget_taken: bool = False, **params: Any) -> dict[str, Any]:
        """GET `path`; `budget_taken` says the caller already took this first attempt's tokens (see fetcher.py)."""
        endpoint = endpoint_key(path)
        for attempt in range(1, self.retry.attempts + 1):
            if attempt > 1 or not budget_taken:
                self.budget.acquire(self.account_id, endpoint)
            with self._count:
                self.requests += 1
            try:
                return self.reader.get(path, **params)
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
