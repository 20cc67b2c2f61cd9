"""Confirming a CSV import from htmx: an HX-Redirect to the list, with every row created."""

from app.clients.tables import Client, ClientEmail
from tests.conftest import login, post_form

GOOD = 'Name,Emails,Domains,Notes\nAcme,"ops@acme.com; Billing@ACME.com",www.acme.com,VIP\nBluebird,hi@bluebird.io,,\n'


async def test_an_htmx_confirm_of_a_good_file_imports_every_row_and_answers_with_hx_redirect(client, alice):
    await login(client, alice)
    response = await post_form(client, "/dashboard/clients/import/confirm", {"csv_text": GOOD}, htmx=True)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/dashboard/clients"
    assert "<html" not in response.text
    names = await Client.select(Client.name).where(Client.workspace == alice.workspace.id)
    assert sorted(r["name"] for r in names) == ["Acme", "Bluebird"]
    assert await ClientEmail.count().where(ClientEmail.email == "billing@acme.com") == 1
    assert "Imported 2 clients." in (await client.get(response.headers["HX-Redirect"])).text
