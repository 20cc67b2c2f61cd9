"""Per-hour limits on reset emails, invitations and sign-ups: over them, nothing is sent or created."""

from datetime import timedelta

import pytest
from litestar.testing import AsyncTestClient

from app.accounts.tables import User
from app.core.tables import OutboxMessage, RateLimitHit
from app.core.timeutil import utcnow
from app.settings import get_settings
from app.workspaces.tables import Invitation
from tests.conftest import PASSWORD, login, post_form

SENT = "reset link is on its way"


@pytest.fixture(autouse=True)
def _small_limits(monkeypatch):
    for name, value in {
        "RESET_EMAILS_PER_ADDRESS_PER_HOUR": "2",
        "RESET_REQUESTS_PER_IP_PER_HOUR": "4",
        "INVITATIONS_PER_WORKSPACE_PER_HOUR": "2",
        "SIGNUPS_PER_IP_PER_HOUR": "2",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def _outbox(kind: str) -> int:
    return await OutboxMessage.count().where(OutboxMessage.kind == kind)


async def test_reset_emails_to_one_address_stop_silently_at_the_limit(client, alice):
    for _ in range(3):
        response = await post_form(client, "/password/forgot", {"email": alice.user.email})
        # The same answer as for an address without an account: the limit must not reveal that one exists.
        assert response.status_code == 200 and SENT in response.text
    assert await _outbox("password_reset") == 2


async def test_reset_requests_from_one_ip_get_a_429_at_the_limit_counting_unknown_addresses(client, alice):
    for email in ("nobody@example.com", "nobody2@example.com", "nobody3@example.com", alice.user.email):
        assert SENT in (await post_form(client, "/password/forgot", {"email": email})).text
    assert await _outbox("password_reset") == 1
    refused = await post_form(client, "/password/forgot", {"email": alice.user.email})
    assert refused.status_code == 429
    assert "Too many password reset requests from your network. Try again in an hour." in refused.text
    assert await _outbox("password_reset") == 1


async def test_a_workspace_gets_a_429_past_its_invitations_per_hour_and_others_are_unaffected(
    app, client, alice, charlie
):
    await login(client, alice)
    for email in ("one@example.com", "two@example.com"):
        response = await post_form(client, "/dashboard/settings/team/invite", {"email": email}, htmx=True)
        assert response.status_code == 200
    refused = await post_form(client, "/dashboard/settings/team/invite", {"email": "three@example.com"})
    assert refused.status_code == 429
    assert "This workspace sent 2 invitations in the last hour. Try again later." in refused.text
    htmx = await post_form(client, "/dashboard/settings/team/invite", {"email": "three@example.com"}, htmx=True)
    assert htmx.status_code == 429 and "2 invitations in the last hour" in htmx.headers["HX-Trigger"]
    assert await _outbox("invitation") == 2 and await Invitation.count() == 2
    async with AsyncTestClient(app=app) as charlie_client:
        await login(charlie_client, charlie)
        response = await post_form(
            charlie_client, "/dashboard/settings/team/invite", {"email": "x@example.com"}, htmx=True
        )
        assert response.status_code == 200
    assert await _outbox("invitation") == 3


async def test_sign_ups_from_one_ip_get_a_429_at_the_limit(client):
    for n in (1, 2):
        response = await post_form(
            client, "/signup", {"email": f"owner{n}@example.com", "password": PASSWORD}, follow_redirects=False
        )
        assert response.status_code in (302, 303)
        await post_form(client, "/logout")
    refused = await post_form(client, "/signup", {"email": "owner3@example.com", "password": PASSWORD})
    assert refused.status_code == 429
    assert "Too many accounts were created from your network in the last hour. Try again later." in refused.text
    assert await User.count() == 2


async def test_hits_older_than_an_hour_count_for_nothing_and_are_dropped(client):
    old = utcnow() - timedelta(hours=1, minutes=1)
    await RateLimitHit.insert(
        *[RateLimitHit(action="signup", ip_address="testclient", created_at=old) for _ in range(2)]
    )
    response = await post_form(
        client, "/signup", {"email": "owner@example.com", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code in (302, 303)
    remaining = await RateLimitHit.objects()
    assert [(hit.action, hit.ip_address) for hit in remaining] == [("signup", "testclient")]
