"""The daily prune: it deletes only rows that can no longer matter, and leaves everything live alone."""

from datetime import timedelta

from app.accounts.tables import LoginThrottle, UserSession
from app.core.tables import OutboxMessage, RateLimitHit
from app.core.timeutil import utcnow
from app.settings import get_settings
from tasks.maintenance import prune


async def _session(user_id: int, key: str, age: timedelta, revoked: bool = False) -> None:
    now = utcnow()
    await UserSession.insert(
        UserSession(
            user=user_id,
            key_hash=key,
            created_at=now - age,
            last_seen_at=now - age,
            revoked_at=now if revoked else None,
        )
    )


async def _email(key: str, age: timedelta, sealed: bool, sent: bool) -> None:
    now = utcnow()
    await OutboxMessage.insert(
        OutboxMessage(
            to_address=f"{key}@example.com",
            subject=key,
            text_body="",
            html_body="",
            sealed_body="gAAAA-sealed" if sealed else "",
            kind="password_reset",
            created_at=now - age,
            sent_at=now if sent else None,
        )
    )


async def test_the_prune_deletes_ended_sessions_old_counters_and_hits_and_stale_sealed_bodies_only(alice):
    settings, now = get_settings(), utcnow()
    lifetime, window = (
        timedelta(seconds=settings.session_max_age_seconds),
        timedelta(seconds=settings.login_window_seconds),
    )
    await _session(alice.user.id, "live", timedelta(hours=1))
    await _session(alice.user.id, "revoked", timedelta(hours=1), revoked=True)
    await _session(alice.user.id, "too-old", lifetime + timedelta(minutes=1))
    await LoginThrottle.insert(
        LoginThrottle(key="current", window_started_at=now, failures=3),
        LoginThrottle(key="ended", window_started_at=now - window - timedelta(seconds=1), failures=5),
    )
    await RateLimitHit.insert(
        RateLimitHit(action="signup", ip_address="198.51.100.7", created_at=now),
        RateLimitHit(action="signup", ip_address="198.51.100.8", created_at=now - timedelta(hours=2)),
    )
    await _email("fresh", timedelta(days=1), sealed=True, sent=False)
    await _email("stale", timedelta(days=8), sealed=True, sent=False)

    counts = prune.call_local()

    assert counts == {"sessions": 2, "login_counters": 1, "rate_limit_hits": 1, "sealed_bodies": 1}
    assert {r["key_hash"] for r in await UserSession.select(UserSession.key_hash)} == {"live"}
    assert {r["key"] for r in await LoginThrottle.select(LoginThrottle.key)} == {"current"}
    assert {r["ip_address"] for r in await RateLimitHit.select(RateLimitHit.ip_address)} == {"198.51.100.7"}
    bodies = {
        r["subject"]: r["sealed_body"]
        for r in await OutboxMessage.select(OutboxMessage.subject, OutboxMessage.sealed_body)
    }
    assert bodies == {"fresh": "gAAAA-sealed", "stale": ""}
    assert prune.call_local() == {"sessions": 0, "login_counters": 0, "rate_limit_hits": 0, "sealed_bodies": 0}
