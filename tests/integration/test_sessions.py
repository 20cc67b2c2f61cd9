"""Server-side sessions: logging out ends them for good, here or everywhere, and they have a lifetime."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from litestar.testing import AsyncTestClient

from app.accounts.tables import UserSession
from app.core.timeutil import utcnow
from app.settings import get_settings
from tests.conftest import PASSWORD, login, post_form
from tests.integration.login_support import reset_path

SETTINGS = "/dashboard/settings/account"
EVERYWHERE = "/dashboard/settings/account/logout-everywhere"


@asynccontextmanager
async def _device(app, cookies: dict | None = None) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=app, cookies=cookies) as device:
        yield device


def _session_cookies(client) -> dict[str, str]:
    return {name: value for name, value in client.cookies.items() if name.startswith("cp_session")}


async def _signed_in(client) -> bool:
    response = await client.get("/dashboard/clients", follow_redirects=False)
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response.headers["location"].startswith("/login")
    return False


async def test_a_cookie_copied_before_logout_is_refused_after_it(app, client, alice):
    await login(client, alice)
    async with _device(app, cookies=_session_cookies(client)) as thief:
        assert await _signed_in(thief)
        await post_form(client, "/logout")
        assert not await _signed_in(thief)
    assert not await _signed_in(client)


async def test_logging_out_on_one_device_leaves_another_signed_in(app, client, alice):
    await login(client, alice)
    async with _device(app) as laptop:
        await login(laptop, alice)
        await post_form(client, "/logout")
        assert not await _signed_in(client)
        assert await _signed_in(laptop)


async def test_the_account_page_lists_where_you_are_signed_in(app, client, alice):
    await login(client, alice)
    async with _device(app) as laptop:
        await login(laptop, alice)
        page = await client.get(SETTINGS)
    assert page.status_code == 200
    assert page.text.count('data-testid="device-row"') == 2
    assert page.text.count("This device") == 1
    assert 'action="/dashboard/settings/account/logout-everywhere"' in page.text


async def test_log_out_everywhere_ends_every_session_this_device_included(app, client, alice):
    await login(client, alice)
    async with _device(app) as laptop, _device(app) as copy:
        await login(laptop, alice)
        copy.cookies.update(_session_cookies(client))
        response = await post_form(client, EVERYWHERE, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login"
        assert "logged out on every device" in (await client.get("/login")).text
        assert not await _signed_in(client)
        assert not await _signed_in(laptop)
        assert not await _signed_in(copy)
    response = await post_form(
        client, "/login", {"email": alice.user.email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 302 and await _signed_in(client)


async def test_a_teammate_can_log_out_everywhere_too(app, client, bob):
    await login(client, bob)
    assert (await client.get(SETTINGS)).status_code == 200
    async with _device(app) as laptop:
        await login(laptop, bob)
        await post_form(client, EVERYWHERE)
        assert not await _signed_in(laptop)


async def test_log_out_everywhere_needs_the_csrf_token_and_changes_nothing_without_it(app, client, alice):
    await login(client, alice)
    response = await client.post(EVERYWHERE, follow_redirects=False)
    assert response.status_code == 403
    assert await _signed_in(client)
    assert await UserSession.count().where(UserSession.revoked_at.is_null()) == 1


async def test_anonymous_people_are_sent_to_log_in_from_the_account_page(client):
    response = await client.get(SETTINGS, follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"].startswith("/login")


async def test_a_password_reset_ends_every_other_session(app, client, alice):
    async with _device(app) as laptop:
        await login(laptop, alice)
        stolen = _session_cookies(laptop)
        response = await post_form(
            client, await reset_path(alice.user), {"password": "brand-new-password"}, follow_redirects=False
        )
        assert response.status_code in (302, 303)
        assert not await _signed_in(laptop)
    async with _device(app, cookies=stolen) as thief:
        assert not await _signed_in(thief)
    page = await client.get(SETTINGS)
    assert page.text.count('data-testid="device-row"') == 1


async def test_a_session_older_than_the_lifetime_is_refused(client, alice):
    await login(client, alice)
    lifetime = timedelta(seconds=get_settings().session_max_age_seconds)
    await UserSession.update({UserSession.created_at: utcnow() - lifetime + timedelta(minutes=1)}, force=True)
    assert await _signed_in(client)
    await UserSession.update({UserSession.created_at: utcnow() - lifetime - timedelta(minutes=1)}, force=True)
    assert not await _signed_in(client)
