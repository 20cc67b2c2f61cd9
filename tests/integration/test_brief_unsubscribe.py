"""The Monday Brief's signed one-click unsubscribe link: it works without logging in and without a CSRF token, and
a tampered link changes nothing."""

from __future__ import annotations

from urllib.parse import urlparse

from app.brief.recipients import is_opted_in
from app.brief.unsubscribe import make_token, unsubscribe_url
from app.settings import get_settings
from app.workspaces.tables import Workspace
from tests.conftest import Persona, login


def _path(workspace_id: int, user_id: int) -> str:
    return urlparse(unsubscribe_url(workspace_id, user_id)).path


async def test_the_link_is_absolute_on_base_url_and_names_only_its_person_and_workspace(alice, bob) -> None:
    url = unsubscribe_url(alice.workspace.id, bob.user.id)

    assert url.startswith(get_settings().base_url.rstrip("/") + "/brief/unsubscribe/")
    assert url != unsubscribe_url(alice.workspace.id, alice.user.id)


async def test_opening_the_link_asks_first_and_changes_nothing(client, alice: Persona, bob: Persona) -> None:
    response = await client.get(_path(alice.workspace.id, bob.user.id))

    assert response.status_code == 200
    assert "Alice Agency" in response.text and 'data-testid="brief-unsubscribe-confirm"' in response.text
    assert await is_opted_in(alice.workspace.id, bob.user.id), "link scanners open links: opening must not opt out"


async def test_a_one_click_post_without_session_or_csrf_token_opts_the_person_out(client, alice, bob) -> None:
    path = _path(alice.workspace.id, bob.user.id)

    response = await client.post(path, data={"List-Unsubscribe": "One-Click"})
    again = await client.post(path, data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == again.status_code == 200
    assert "You will not get the Monday Brief for <strong>Alice Agency</strong> any more" in response.text
    assert 'data-testid="brief-opt-in-again"' in response.text and 'href="/dashboard/settings/brief"' in response.text
    assert not await is_opted_in(alice.workspace.id, bob.user.id)
    assert await is_opted_in(alice.workspace.id, alice.user.id), "only the person the link names"


async def test_the_confirmation_button_works_for_someone_logged_in_as_someone_else(client, alice, charlie) -> None:
    await login(client, charlie)

    response = await client.post(_path(alice.workspace.id, alice.user.id))

    assert response.status_code == 200
    assert not await is_opted_in(alice.workspace.id, alice.user.id)
    assert await is_opted_in(charlie.workspace.id, charlie.user.id)


async def test_a_tampered_link_is_refused_with_a_message_and_changes_nothing(client, alice, bob, charlie) -> None:
    token = make_token(alice.workspace.id, bob.user.id)
    forged = [
        token.replace(f"{alice.workspace.id}-{bob.user.id}", f"{charlie.workspace.id}-{charlie.user.id}"),
        token[:-2],
        token.split(".")[0],
        "garbage",
    ]
    for bad in forged:
        for method in (client.get, client.post):
            response = await method(f"/brief/unsubscribe/{bad}")
            assert response.status_code == 400, (bad, response.status_code)
            assert "This unsubscribe link is not valid" in response.text

    assert await is_opted_in(alice.workspace.id, bob.user.id)
    assert await is_opted_in(charlie.workspace.id, charlie.user.id)


async def test_a_link_of_someone_who_left_the_workspace_is_not_found(client, alice, charlie) -> None:
    response = await client.post(_path(alice.workspace.id, charlie.user.id))

    assert response.status_code == 404
    assert await is_opted_in(charlie.workspace.id, charlie.user.id)


async def test_a_workspace_name_with_markup_arrives_as_text(client, alice, bob) -> None:
    await Workspace.update({Workspace.name: "<script>alert(1)</script> & Co"}).where(Workspace.id == alice.workspace.id)

    response = await client.get(_path(alice.workspace.id, bob.user.id))

    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in response.text
