"""Owners invite, promote and remove teammates; teammates cannot."""

import re

from app.core.tables import OutboxMessage
from app.workspaces.tables import Membership
from tests.conftest import login, post_form


async def _invitation_path() -> str:
    message = await OutboxMessage.objects().where(OutboxMessage.kind == "invitation").first()
    assert message is not None
    return re.search(r"/invitations/\S+", message.text_body).group(0)


async def test_an_owner_invites_and_the_invitee_joins_as_teammate(app, client, alice, charlie):
    await login(client, alice)
    response = await post_form(client, "/dashboard/settings/team/invite", {"email": charlie.user.email}, htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.text and "Invitation sent to charlie@charlie.co" in response.text
    path = await _invitation_path()
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app) as charlie_client:
        await login(charlie_client, charlie)
        page = await charlie_client.get(path)
        assert "Join Alice Agency" in page.text
        await post_form(charlie_client, path + "/accept")
        settings = await charlie_client.get("/dashboard/settings")
        assert "Alice Agency" in settings.text
        again = await post_form(charlie_client, path + "/accept")
        assert again.status_code == 404
    membership = (
        await Membership.objects()
        .where((Membership.user == charlie.user.id) & (Membership.workspace == alice.workspace.id))
        .first()
    )
    assert membership.role == "teammate"


async def test_the_invite_form_without_htmx_redirects_to_settings_with_a_message(client, alice):
    await login(client, alice)
    response = await post_form(
        client, "/dashboard/settings/team/invite", {"email": "x@example.com"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/dashboard/settings"
    page = await client.get("/dashboard/settings")
    assert "Invitation sent to x@example.com." in page.text


async def test_a_bad_invite_email_is_a_422_fragment_with_the_reason(client, alice):
    await login(client, alice)
    response = await post_form(client, "/dashboard/settings/team/invite", {"email": "nope"}, htmx=True)
    assert response.status_code == 422
    assert "not a valid email address" in response.text
    assert await OutboxMessage.count() == 0


async def test_a_teammate_cannot_invite(client, alice, bob):
    await login(client, bob)
    response = await post_form(client, "/dashboard/settings/team/invite", {"email": "x@example.com"})
    assert response.status_code == 403
    assert "Only a workspace owner can invite teammates" in response.text
    htmx = await post_form(client, "/dashboard/settings/team/invite", {"email": "x@example.com"}, htmx=True)
    assert htmx.status_code == 403 and "Only a workspace owner" in htmx.headers["HX-Trigger"]
    assert await OutboxMessage.count() == 0


async def test_a_teammate_cannot_rename_the_workspace(client, alice, bob):
    await login(client, bob)
    response = await post_form(client, "/dashboard/settings/workspace", {"name": "Hijacked", "timezone": "UTC"})
    assert response.status_code == 403


async def test_an_owner_promotes_and_removes(client, alice, bob):
    await login(client, alice)
    bob_membership = await Membership.objects().where(Membership.user == bob.user.id).first()
    response = await post_form(
        client, f"/dashboard/settings/team/{bob_membership.id}/role", {"role": "owner"}, htmx=True
    )
    assert response.status_code == 200 and "Make teammate" in response.text
    response = await post_form(client, f"/dashboard/settings/team/{bob_membership.id}/remove", htmx=True)
    assert response.status_code == 200 and "bob@alice-agency.com" not in response.text


async def test_the_last_owner_cannot_step_down(client, alice):
    await login(client, alice)
    own = await Membership.objects().where(Membership.user == alice.user.id).first()
    response = await post_form(client, f"/dashboard/settings/team/{own.id}/role", {"role": "teammate"})
    assert response.status_code == 409
    assert "at least one owner" in response.text


async def test_another_workspaces_membership_ids_are_not_found(client, alice, charlie):
    await login(client, alice)
    theirs = await Membership.objects().where(Membership.user == charlie.user.id).first()
    for htmx in (False, True):
        response = await post_form(client, f"/dashboard/settings/team/{theirs.id}/remove", htmx=htmx)
        assert response.status_code == 404
        response = await post_form(
            client, f"/dashboard/settings/team/{theirs.id}/role", {"role": "teammate"}, htmx=htmx
        )
        assert response.status_code == 404
    assert await Membership.exists().where(Membership.id == theirs.id)


async def test_team_actions_without_htmx_redirect_so_a_reload_never_resubmits(client, alice, bob):
    await login(client, alice)
    bob_membership = await Membership.objects().where(Membership.user == bob.user.id).first()
    promoted = await post_form(
        client, f"/dashboard/settings/team/{bob_membership.id}/role", {"role": "owner"}, follow_redirects=False
    )
    assert promoted.status_code == 303 and promoted.headers["location"] == "/dashboard/settings"
    page = await client.get("/dashboard/settings")
    assert "Role changed." in page.text and "Make teammate" in page.text
    removed = await post_form(client, f"/dashboard/settings/team/{bob_membership.id}/remove", follow_redirects=False)
    assert removed.status_code == 303
    page = await client.get("/dashboard/settings")
    assert "Removed from the workspace." in page.text and "bob@alice-agency.com" not in page.text


async def test_an_owner_revokes_a_pending_invitation(client, alice):
    from app.workspaces.tables import Invitation

    await login(client, alice)
    await post_form(client, "/dashboard/settings/team/invite", {"email": "later@example.com"})
    invitation = await Invitation.objects().first()
    response = await post_form(client, f"/dashboard/settings/team/invitations/{invitation.id}/revoke", htmx=True)
    assert response.status_code == 200 and "<html" not in response.text and "later@example.com" not in response.text
    page = await client.get(await _invitation_path())
    assert page.status_code == 404
