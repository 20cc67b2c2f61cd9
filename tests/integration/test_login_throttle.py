"""Log-in throttling: atomic under concurrency, per (address, email), per address and per email."""

import asyncio
from collections import Counter
from datetime import timedelta

from app.accounts.tables import LoginThrottle
from app.core.timeutil import utcnow
from app.settings import get_settings
from tests.conftest import PASSWORD, csrf_token, post_form
from tests.integration.login_support import OWNER_ADDRESS, STRANGER_ADDRESS, client_at, fx_login_limits  # noqa: F401


async def _log_in(client, email: str, password: str):
    return await post_form(client, "/login", {"email": email, "password": password}, follow_redirects=False)


async def _fail(client, email: str, times: int) -> list[int]:
    return [(await _log_in(client, email, "wrong-password-123")).status_code for _ in range(times)]


async def test_concurrent_wrong_passwords_get_at_most_the_limit_of_422s_and_429s_for_the_rest(app, alice):
    limit = get_settings().login_max_failures
    attempts = 3 * limit
    async with client_at(app, STRANGER_ADDRESS) as client:
        await csrf_token(client)
        responses = await asyncio.gather(
            *(_log_in(client, alice.user.email, f"wrong-password-{i}") for i in range(attempts))
        )
    assert Counter(r.status_code for r in responses) == {422: limit, 429: attempts - limit}


async def test_a_stranger_hammering_an_email_from_their_address_does_not_lock_the_owner_out_of_theirs(app, alice):
    limit = get_settings().login_max_failures
    async with client_at(app, STRANGER_ADDRESS) as stranger:
        assert await _fail(stranger, alice.user.email, limit + 3) == [422] * limit + [429] * 3
        assert (await _log_in(stranger, alice.user.email, PASSWORD)).status_code == 429
    async with client_at(app, OWNER_ADDRESS) as owner:
        response = await _log_in(owner, alice.user.email, PASSWORD)
        assert response.status_code == 302
        assert (await owner.get("/dashboard/clients")).status_code == 200


async def test_one_address_trying_many_emails_is_stopped_at_the_per_address_limit(app, login_limits):
    per_ip = login_limits(LOGIN_MAX_FAILURES_PER_IP=7).login_max_failures_per_ip
    async with client_at(app, STRANGER_ADDRESS) as stranger:
        statuses = [
            (await _log_in(stranger, f"guess{i}@example.com", "wrong-password-123")).status_code
            for i in range(per_ip + 1)
        ]
    assert statuses == [422] * per_ip + [429]


async def test_an_email_hammered_from_many_addresses_hits_the_account_wide_limit(app, alice, login_limits):
    settings = login_limits(LOGIN_MAX_FAILURES_PER_ACCOUNT=8)
    per_pair, per_account = settings.login_max_failures, settings.login_max_failures_per_account
    statuses = []
    for n in range(3):
        async with client_at(app, f"192.0.2.{n + 1}") as stranger:
            statuses += await _fail(stranger, alice.user.email, per_pair)
    assert Counter(statuses) == {422: per_account, 429: 3 * per_pair - per_account}
    async with client_at(app, OWNER_ADDRESS) as owner:
        assert (await _log_in(owner, alice.user.email, PASSWORD)).status_code == 429


async def test_the_wait_in_the_message_comes_from_the_window_setting(app, alice, login_limits):
    limit = login_limits(LOGIN_WINDOW_SECONDS=1800).login_max_failures
    async with client_at(app, STRANGER_ADDRESS) as stranger:
        await _fail(stranger, alice.user.email, limit)
        response = await _log_in(stranger, alice.user.email, PASSWORD)
    assert response.status_code == 429
    assert "Try again in 30 minutes" in response.text and "15 minutes" not in response.text
    assert 1790 <= int(response.headers["retry-after"]) <= 1800


async def test_failures_older_than_the_window_no_longer_count(app, alice):
    limit = get_settings().login_max_failures
    async with client_at(app, STRANGER_ADDRESS) as client:
        await _fail(client, alice.user.email, limit)
        assert (await _log_in(client, alice.user.email, PASSWORD)).status_code == 429
        window_ended = utcnow() - timedelta(seconds=get_settings().login_window_seconds + 1)
        await LoginThrottle.update({LoginThrottle.window_started_at: window_ended}, force=True)
        assert (await _log_in(client, alice.user.email, PASSWORD)).status_code == 302


async def test_a_correct_password_forgives_earlier_typos_from_that_address(app, alice):
    limit = get_settings().login_max_failures
    async with client_at(app, OWNER_ADDRESS) as owner:
        await _fail(owner, alice.user.email, limit - 1)
        assert (await _log_in(owner, alice.user.email, PASSWORD)).status_code == 302
        assert await _fail(owner, alice.user.email, limit) == [422] * limit
