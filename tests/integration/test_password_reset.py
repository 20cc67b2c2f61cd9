"""Password reset by emailed link."""

import re

from app.core.tables import OutboxMessage
from tests.conftest import PASSWORD, login, post_form


async def _reset_link(email: str) -> str:
    message = (
        await OutboxMessage.objects()
        .where((OutboxMessage.to_address == email) & (OutboxMessage.kind == "password_reset"))
        .first()
    )
    assert message is not None, "a reset email should be in the outbox"
    return re.search(r"http://\S+/password/reset/\S+", message.text_body).group(0)


async def test_it_emails_a_single_use_link_and_sets_the_new_password(client, alice):
    response = await post_form(client, "/password/forgot", {"email": alice.user.email})
    assert response.status_code == 200 and "reset link is on its way" in response.text
    path = "/" + (await _reset_link(alice.user.email)).split("/", 3)[3]
    assert (await client.get(path)).status_code == 200
    response = await post_form(client, path, {"password": "brand-new-password"}, follow_redirects=False)
    assert response.status_code in (302, 303)
    await post_form(client, "/logout")
    response = await post_form(
        client, "/login", {"email": alice.user.email, "password": "brand-new-password"}, follow_redirects=False
    )
    assert response.status_code == 302
    reused = await post_form(client, path, {"password": "another-password-1"})
    assert reused.status_code == 404
    assert "expired or was already used" in reused.text


async def test_it_signs_out_other_sessions_after_a_reset(app, client, alice):
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app) as other_device:
        await login(other_device, alice)
        assert (await other_device.get("/dashboard/clients")).status_code == 200
        await post_form(client, "/password/forgot", {"email": alice.user.email})
        path = "/" + (await _reset_link(alice.user.email)).split("/", 3)[3]
        await post_form(client, path, {"password": "brand-new-password"})
        response = await other_device.get("/dashboard/clients", follow_redirects=False)
        assert response.status_code == 302 and response.headers["location"].startswith("/login")


async def test_it_answers_the_same_for_unknown_emails_and_sends_nothing(client):
    response = await post_form(client, "/password/forgot", {"email": "nobody@example.com"})
    assert "reset link is on its way" in response.text
    assert await OutboxMessage.count() == 0


async def test_it_rejects_an_unknown_token(client):
    response = await client.get("/password/reset/not-a-real-token")
    assert response.status_code == 404


async def test_it_keeps_the_old_password_when_the_new_one_is_weak(client, alice):
    await post_form(client, "/password/forgot", {"email": alice.user.email})
    path = "/" + (await _reset_link(alice.user.email)).split("/", 3)[3]
    response = await post_form(client, path, {"password": "short"})
    assert response.status_code == 422
    response = await post_form(
        client, "/login", {"email": alice.user.email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 302
