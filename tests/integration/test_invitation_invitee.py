"""An invitation works only for the account of the email it was sent to."""

import re

import pytest
from litestar.testing import AsyncTestClient

from app.accounts.tables import User
from app.core.tables import OutboxMessage
from app.workspaces.tables import Invitation, Membership, Workspace
from tests.conftest import PASSWORD, login, make_persona, post_form

INVITEE = "sam@brightside.agency"


@pytest.fixture(name="invitation_path")
async def fx_invitation_path(app, alice) -> str:
    """Alice invites sam@brightside.agency; returns the link's path."""
    async with AsyncTestClient(app=app) as alice_client:
        await login(alice_client, alice)
        await post_form(alice_client, "/dashboard/settings/team/invite", {"email": INVITEE})
    message = await OutboxMessage.objects().where(OutboxMessage.kind == "invitation").first()
    return re.search(r"/invitations/\S+", message.text_body).group(0)


async def _joined(user_id: int, workspace_id: int) -> bool:
    return await Membership.exists().where((Membership.user == user_id) & (Membership.workspace == workspace_id))


async def test_another_account_opening_the_link_is_told_who_it_was_sent_to(client, alice, charlie, invitation_path):
    await login(client, charlie)
    page = await client.get(invitation_path)
    assert page.status_code == 403
    assert (
        f"This invitation was sent to {INVITEE}. Log in as {INVITEE}, or ask the owner to invite {charlie.user.email}."
    ) in page.text
    assert 'data-testid="accept-invitation"' not in page.text


async def test_another_account_accepting_is_refused_and_nothing_changes(client, alice, charlie, invitation_path):
    await login(client, charlie)
    for htmx in (False, True):
        response = await post_form(client, invitation_path + "/accept", htmx=htmx, follow_redirects=False)
        assert response.status_code == 403
    assert f"This invitation was sent to {INVITEE}" in response.headers["HX-Trigger"]
    assert not await _joined(charlie.user.id, alice.workspace.id)
    invitation = await Invitation.objects().first()
    assert invitation.accepted_at is None, "a refused acceptance must leave the invitation usable by the invitee"


async def test_the_invitee_still_accepts_with_any_capitalisation_of_their_email(client, alice, invitation_path):
    sam = await make_persona("Sam@BrightSide.Agency", "Sam's own")
    await login(client, sam)
    assert (await client.get(invitation_path)).status_code == 200
    response = await post_form(client, invitation_path + "/accept", follow_redirects=False)
    assert response.status_code in (302, 303)
    assert await _joined(sam.user.id, alice.workspace.id)


async def test_signing_up_from_the_link_prefills_and_locks_the_invited_email(client, alice, invitation_path):
    page = await client.get(f"/signup?next={invitation_path}")
    field = re.search(r'<input id="email"[^>]*>', page.text).group(0)
    assert f'value="{INVITEE}"' in field and " readonly" in field
    response = await post_form(
        client,
        "/signup",
        {"email": INVITEE, "password": PASSWORD, "name": "Sam", "next": invitation_path},
        follow_redirects=False,
    )
    assert response.headers["location"] == invitation_path
    await post_form(client, invitation_path + "/accept")
    sam = await User.objects().where(User.email == INVITEE).first()
    assert await _joined(sam.id, alice.workspace.id)


async def test_signing_up_from_the_link_with_another_email_is_refused(client, alice, invitation_path):
    response = await post_form(
        client, "/signup", {"email": "mallory@elsewhere.com", "password": PASSWORD, "next": invitation_path}
    )
    assert response.status_code == 422
    assert f"This invitation was sent to {INVITEE}: sign up with that address." in response.text
    assert await User.count() == 1  # alice only
    assert await Workspace.count() == 1
