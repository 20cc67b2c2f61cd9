"""The demo seeder and the operator command line."""

from app.accounts.tables import User
from app.clients.tables import Client
from app.demo import DEMO_CLIENTS, seed_demo
from app.workspaces.tables import Membership, Workspace


async def test_seeding_twice_does_not_duplicate_the_demo(capsys):
    first = await seed_demo()
    second = await seed_demo()
    assert first.id == second.id and second.plan == "agency"
    assert await Workspace.count() == 1
    assert await User.count() == 2 and await Membership.count() == 2
    assert await Client.count() == len(DEMO_CLIENTS) == 12
    assert "owner@demo.test / demo-password" in capsys.readouterr().out


async def test_the_demo_owner_can_log_in(client):
    from tests.conftest import post_form

    await seed_demo()
    response = await post_form(
        client, "/login", {"email": "owner@demo.test", "password": "demo-password"}, follow_redirects=False
    )
    assert response.status_code == 302
    page = await client.get("/dashboard/clients")
    assert "Northwind Digital" in page.text and "Acme Rockets" in page.text
