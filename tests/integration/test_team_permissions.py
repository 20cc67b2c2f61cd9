"""Only owners manage the team; owners can't reach another workspace's invitations."""

from app.workspaces.tables import Invitation, Membership
from tests.conftest import login, post_form


async def _invite(client, email: str) -> Invitation:
    response = await post_form(client, "/dashboard/settings/team/invite", {"email": email})
    assert response.status_code == 200
    invitation = await Invitation.objects().where(Invitation.email == email).first()
    assert invitation is not None
    return invitation


async def _alices_membership(alice) -> Membership:
    return (
        await Membership.objects()
        .where((Membership.user == alice.user.id) & (Membership.workspace == alice.workspace.id))
        .first()
    )


async def test_a_teammate_cannot_remove_a_member(client, alice, bob):
    own = await _alices_membership(alice)
    await login(client, bob)
    response = await post_form(client, f"/dashboard/settings/team/{own.id}/remove")
    assert response.status_code == 403
    assert "Only a workspace owner can remove teammates" in response.text
    assert await Membership.exists().where(Membership.id == own.id)


async def test_a_teammate_cannot_promote_a_member(client, alice, bob):
    bobs = await Membership.objects().where(Membership.user == bob.user.id).first()
    await login(client, bob)
    response = await post_form(client, f"/dashboard/settings/team/{bobs.id}/role", {"role": "owner"})
    assert response.status_code == 403
    assert "Only a workspace owner can change roles" in response.text
    htmx = await post_form(client, f"/dashboard/settings/team/{bobs.id}/role", {"role": "owner"}, htmx=True)
    assert htmx.status_code == 403 and "Only a workspace owner can change roles" in htmx.headers["HX-Trigger"]
    assert (await Membership.objects().where(Membership.id == bobs.id).first()).role == "teammate"


async def test_a_teammate_cannot_revoke_an_invitation(app, client, alice, bob):
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app) as alice_client:
        await login(alice_client, alice)
        invitation = await _invite(alice_client, "later@example.com")
    await login(client, bob)
    response = await post_form(client, f"/dashboard/settings/team/invitations/{invitation.id}/revoke")
    assert response.status_code == 403
    assert "Only a workspace owner can revoke invitations" in response.text
    still = await Invitation.objects().where(Invitation.id == invitation.id).first()
    assert still.revoked_at is None


async def test_an_owner_revokes_an_invitation_without_htmx_and_is_redirected_to_settings(client, alice):
    await login(client, alice)
    invitation = await _invite(client, "later@example.com")
    response = await post_form(
        client, f"/dashboard/settings/team/invitations/{invitation.id}/revoke", follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/dashboard/settings"
    page = await client.get("/dashboard/settings")
    assert "Invitation revoked." in page.text and "later@example.com" not in page.text
    revoked = await Invitation.objects().where(Invitation.id == invitation.id).first()
    assert revoked.revoked_at is not None


async def test_an_owner_cannot_revoke_another_workspaces_invitation(app, client, alice, charlie):
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app) as charlie_client:
        await login(charlie_client, charlie)
        theirs = await _invite(charlie_client, "theirs@example.com")
    await login(client, alice)
    for htmx in (False, True):
        response = await post_form(client, f"/dashboard/settings/team/invitations/{theirs.id}/revoke", htmx=htmx)
        assert response.status_code == 404
    still = await Invitation.objects().where(Invitation.id == theirs.id).first()
    assert still.revoked_at is None and still.workspace == charlie.workspace.id
