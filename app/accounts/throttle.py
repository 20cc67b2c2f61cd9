"""Log-in throttling, counted in the database so that it holds across several web processes.

Three counters guard each attempt, each in a fixed window of LOGIN_WINDOW_SECONDS:
- one (address, email) pair: LOGIN_MAX_FAILURES, the hard limit on guessing one password from one place;
- one address across emails: LOGIN_MAX_FAILURES_PER_IP, so a client can't walk a list of accounts;
- one email from every address: LOGIN_MAX_FAILURES_PER_ACCOUNT, much higher, so one stranger hammering an
  email from their address walls in only themselves, while the owner still gets in from theirs.

An attempt claims a slot in all three *before* the password is checked, with one conditional upsert per
counter. Concurrent attempts therefore cannot all read "under the limit" and then all fail: the database
hands out at most the limit's worth of slots. A correct password gives its slots back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from app.accounts.tables import LoginThrottle
from app.core.errors import RateLimited
from app.core.timeutil import duration_in_words, utcnow
from app.settings import get_settings

# Upsert-and-claim in one statement: a new key starts a window with one failure; an expired window restarts;
# otherwise the count goes up only while it is under the limit. No row back means the limit is reached.
# SET expressions read the row as it was, on SQLite as on PostgreSQL.
_CLAIM = """
INSERT INTO login_throttle ("key", email, window_started_at, failures) VALUES ({}, {}, {}, 1)
ON CONFLICT ("key") DO UPDATE SET
    failures = CASE WHEN login_throttle.window_started_at < {} THEN 1 ELSE login_throttle.failures + 1 END,
    window_started_at = CASE WHEN login_throttle.window_started_at < {} THEN {}
                             ELSE login_throttle.window_started_at END
WHERE login_throttle.window_started_at < {} OR login_throttle.failures < {}
RETURNING id
"""


class LoginThrottled(RateLimited):
    """Too many recent failures for this email, this address, or both.

    `retry_after` is the number of seconds until the blocking window ends.
    """

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed attempts. Try again in {duration_in_words(retry_after)}, or reset your password."
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Claim:
    """The slots one attempt holds; give them back with `forgive` when the password was right."""

    pair_key: str
    shared_keys: tuple[str, ...]


def _window() -> timedelta:
    return timedelta(seconds=get_settings().login_window_seconds)


async def _claim_one(key: str, email: str, limit: int) -> bool:
    now = utcnow()
    cutoff = now - _window()
    rows = await LoginThrottle.raw(_CLAIM, key, email, now, cutoff, cutoff, now, cutoff, limit)
    return bool(rows)


async def _release(keys: tuple[str, ...]) -> None:
    if not keys:
        return
    await LoginThrottle.update({LoginThrottle.failures: LoginThrottle.failures - 1}).where(
        LoginThrottle.key.is_in(list(keys)) & (LoginThrottle.failures > 0)
    )


async def _seconds_left(key: str) -> int:
    row = await LoginThrottle.select(LoginThrottle.window_started_at).where(LoginThrottle.key == key).first()
    if row is None:
        return get_settings().login_window_seconds
    left = (row["window_started_at"] + _window() - utcnow()).total_seconds()
    return max(1, math.ceil(left))


async def claim(email: str, ip_address: str) -> Claim:
    """Take one attempt's slot in the pair, address and account counters.

    Args:
        email: the normalised email typed in (registered or not: unknown emails are throttled alike).
        ip_address: the client's address as the server saw it.

    Returns:
        The claim, to `forgive` if the password turns out right; a wrong one keeps it as a failure.

    Raises:
        LoginThrottled: one of the counters is at its limit; nothing is counted then.
    """
    settings = get_settings()
    pair_key = f"pair:{ip_address} {email}"
    counters = [
        (pair_key, email, settings.login_max_failures),
        (f"ip:{ip_address}", "", settings.login_max_failures_per_ip),
        (f"account:{email}", email, settings.login_max_failures_per_account),
    ]
    taken: list[str] = []
    for key, key_email, limit in counters:
        if not await _claim_one(key, key_email, limit):
            await _release(tuple(taken))
            raise LoginThrottled(await _seconds_left(key))
        taken.append(key)
    return Claim(pair_key=pair_key, shared_keys=tuple(taken[1:]))


async def forgive(held: Claim) -> None:
    """After a correct password: forget this pair's failures, hand back the shared slots, drop expired counters."""
    await LoginThrottle.delete().where(LoginThrottle.key == held.pair_key)
    await _release(held.shared_keys)
    await LoginThrottle.delete().where(LoginThrottle.window_started_at < utcnow() - _window())


async def forget_account(email: str) -> None:
    """Clear every counter about this email (after a password reset proved who owns it)."""
    await LoginThrottle.delete().where(LoginThrottle.email == email)


async def prune_expired_windows() -> int:
    """Delete counters whose window has ended: an attacker who never logs in leaves them behind otherwise.

    Returns:
        How many rows it deleted.
    """
    gone = (
        await LoginThrottle.delete()
        .where(LoginThrottle.window_started_at < utcnow() - _window())
        .returning(LoginThrottle.id)
    )
    return len(gone)
