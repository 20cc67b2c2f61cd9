"""Signing up creates a login and its first workspace."""

from app.accounts.tables import User
from app.workspaces.tables import Membership, Workspace
from tests.conftest import post_form

GOOD = {"email": "New.Owner@Example.com", "password": "a-long-password", "name": "Nia", "workspace_name": "Nia Studio"}


async def test_it_creates_the_user_and_a_free_workspace_they_own(client):
    response = await post_form(client, "/signup", GOOD, follow_redirects=False)
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/dashboard/clients"
    user = await User.objects().where(User.email == "new.owner@example.com").first()
    assert user is not None and user.password_hash != GOOD["password"]
    workspace = await Workspace.objects().where(Workspace.name == "Nia Studio").first()
    assert workspace.plan == "free"
    membership = await Membership.objects().where(Membership.user == user.id).first()
    assert membership.role == "owner" and membership.workspace == workspace.id


async def test_it_refuses_a_taken_email_and_changes_nothing(client, alice):
    response = await post_form(client, "/signup", {**GOOD, "email": alice.user.email})
    assert response.status_code == 422
    assert "already exists" in response.text
    assert await User.count() == 1


async def test_it_refuses_a_short_password(client):
    response = await post_form(client, "/signup", {**GOOD, "password": "short"})
    assert response.status_code == 422
    assert "at least 10 characters" in response.text
    assert await User.count() == 0


async def test_it_refuses_a_malformed_email(client):
    response = await post_form(client, "/signup", {**GOOD, "email": "not-an-email"})
    assert response.status_code == 422
    assert "not a valid email address" in response.text


async def test_an_invited_person_signs_up_without_getting_a_workspace_of_their_own(client):
    response = await post_form(client, "/signup", {**GOOD, "next": "/invitations/abc"}, follow_redirects=False)
    assert response.headers["location"] == "/invitations/abc"
    assert await Workspace.count() == 0
