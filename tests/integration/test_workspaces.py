"""Creating, renaming and switching workspaces."""

from app.workspaces.tables import Workspace
from tests.conftest import login, post_form


async def test_a_user_creates_a_second_workspace_and_switches_between_them(client, alice):
    await login(client, alice)
    response = await post_form(client, "/workspaces", {"name": "Side Project", "timezone": "Europe/Berlin"})
    assert response.status_code == 200 and "Side Project" in response.text
    await post_form(client, "/workspaces/switch", {"workspace_id": alice.workspace.id})
    page = await client.get("/dashboard/settings")
    assert 'value="Alice Agency"' in page.text


async def test_switching_to_a_foreign_workspace_is_not_found(client, alice, charlie):
    await login(client, alice)
    response = await post_form(client, "/workspaces/switch", {"workspace_id": charlie.workspace.id})
    assert response.status_code == 404
    page = await client.get("/dashboard/settings")
    assert "Charlie Co" not in page.text


async def test_an_owner_renames_the_workspace(client, alice):
    await login(client, alice)
    await post_form(client, "/dashboard/settings/workspace", {"name": "  Alice   & Co ", "timezone": "Europe/London"})
    workspace = await Workspace.objects().where(Workspace.id == alice.workspace.id).first()
    assert (workspace.name, workspace.timezone) == ("Alice & Co", "Europe/London")


async def test_an_unknown_time_zone_is_refused(client, alice):
    await login(client, alice)
    response = await post_form(client, "/workspaces", {"name": "X", "timezone": "Mars/Olympus"})
    assert response.status_code == 422
    assert await Workspace.count() == 1


async def test_a_hostile_workspace_name_renders_as_text(client, alice):
    await login(client, alice)
    await post_form(client, "/dashboard/settings/workspace", {"name": "<script>alert(1)</script>", "timezone": "UTC"})
    page = await client.get("/dashboard/settings")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
