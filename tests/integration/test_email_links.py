"""Links in emails are built from BASE_URL, never from the Host header a request arrived with."""

import re

import pytest

from app.core.tables import OutboxMessage
from app.settings import get_settings
from tests.conftest import login, post_form

FORGED = {"Host": "evil.example"}


@pytest.fixture(name="base_url", autouse=True)
def fx_base_url(monkeypatch):
    monkeypatch.setenv("BASE_URL", "https://links.example")
    get_settings.cache_clear()
    yield get_settings().base_url
    monkeypatch.undo()
    get_settings.cache_clear()


async def _links(kind: str) -> list[str]:
    message = await OutboxMessage.objects().where(OutboxMessage.kind == kind).first()
    assert message is not None, f"a {kind} email should be in the outbox"
    return re.findall(r"https?://[^\s\"<]+", message.text_body + message.html_body)


async def test_a_reset_requested_with_a_forged_host_links_to_base_url(client, alice, base_url):
    response = await post_form(client, "/password/forgot", {"email": alice.user.email}, headers=FORGED)
    assert response.status_code == 200
    links = await _links("password_reset")
    assert links and all(link.startswith(f"{base_url}/password/reset/") for link in links), links


async def test_an_invitation_sent_with_a_forged_host_links_to_base_url(client, alice, base_url):
    await login(client, alice)
    response = await post_form(
        client,
        "/dashboard/settings/team/invite",
        {"email": "sam@brightside.agency"},
        headers=FORGED,
        follow_redirects=False,
    )
    assert response.status_code == 303
    links = await _links("invitation")
    assert links and all(link.startswith(f"{base_url}/invitations/") for link in links), links
