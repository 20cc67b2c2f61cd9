"""Adding and editing clients: validation, normalisation and per-workspace email uniqueness."""

from app.clients.services import ClientInput, create_client, get_client
from app.clients.tables import Client, ClientEmail
from tests.conftest import login, post_form


async def test_it_shows_the_add_client_form(client, alice):
    await login(client, alice)
    page = await client.get("/dashboard/clients/new")
    assert page.status_code == 200
    assert 'data-testid="client-form"' in page.text and "autofocus" in page.text


async def test_it_adds_a_client_and_normalises_emails_and_domains(client, alice):
    await login(client, alice)
    response = await post_form(
        client,
        "/dashboard/clients",
        {
            "name": "  Acme   Rockets ",
            "emails": "Ops@ACME.com\nops@acme.com, billing@acme.com",
            "domains": "https://www.Example.COM/x\nbücher.example",
            "notes": "Retainer",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    saved = await Client.objects().where(Client.workspace == alice.workspace.id).first()
    assert saved.name == "Acme Rockets"
    detail = await get_client(alice.actor, saved.id)
    assert detail.emails == ["ops@acme.com", "billing@acme.com"]
    assert detail.domains == ["example.com", "xn--bcher-kva.example"]
    page = await client.get(response.headers["location"])
    assert "Added Acme Rockets." in page.text
    assert "bücher.example" in page.text
    assert "Invoices appear here once Stripe is connected" in page.text and "/dashboard/integrations" in page.text


async def test_it_rejects_a_missing_name_and_a_bad_email_with_422_and_saves_nothing(client, alice):
    await login(client, alice)
    response = await post_form(
        client, "/dashboard/clients", {"name": " ", "emails": "not-an-email", "domains": "localhost"}
    )
    assert response.status_code == 422
    assert "Enter the client" in response.text
    assert "is not a valid email address" in response.text
    assert "is not a valid domain" in response.text
    assert 'aria-invalid="true"' in response.text and "<html" in response.text
    assert await Client.count() == 0


async def test_it_answers_htmx_form_errors_with_the_form_fragment(client, alice):
    await login(client, alice)
    response = await post_form(client, "/dashboard/clients", {"name": ""}, htmx=True)
    assert response.status_code == 422
    assert 'data-testid="client-form"' in response.text and "<html" not in response.text


async def test_it_redirects_htmx_after_adding_with_hx_redirect(client, alice):
    await login(client, alice)
    response = await post_form(client, "/dashboard/clients", {"name": "Acme"}, htmx=True)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith("/dashboard/clients/")


async def test_it_refuses_an_email_another_client_of_the_workspace_uses(client, alice):
    await create_client(alice.actor, ClientInput(name="Acme", emails=["ops@acme.com"]))
    await login(client, alice)
    response = await post_form(client, "/dashboard/clients", {"name": "Other", "emails": "OPS@acme.com"})
    assert response.status_code == 422
    assert "ops@acme.com already belongs to Acme." in response.text
    assert await Client.count() == 1


async def test_it_allows_the_same_email_in_another_workspace(client, alice, charlie):
    await create_client(alice.actor, ClientInput(name="Acme", emails=["ops@acme.com"]))
    await login(client, charlie)
    response = await post_form(client, "/dashboard/clients", {"name": "Acme", "emails": "ops@acme.com"})
    assert response.status_code == 200
    assert await ClientEmail.count().where(ClientEmail.email == "ops@acme.com") == 2


async def test_it_edits_a_client_keeping_its_own_email(client, alice):
    acme = await create_client(alice.actor, ClientInput(name="Acme", emails=["ops@acme.com"]))
    await login(client, alice)
    form = await client.get(f"/dashboard/clients/{acme.id}/edit")
    assert "ops@acme.com" in form.text
    response = await post_form(
        client,
        f"/dashboard/clients/{acme.id}",
        {"name": "Acme Rockets", "emails": "ops@acme.com; new@acme.com", "domains": "acme.com", "notes": "VIP"},
    )
    assert response.status_code == 200
    detail = await get_client(alice.actor, acme.id)
    assert (detail.client.name, detail.emails, detail.domains) == (
        "Acme Rockets",
        ["ops@acme.com", "new@acme.com"],
        ["acme.com"],
    )


async def test_it_keeps_the_old_values_when_an_edit_is_invalid(client, alice):
    acme = await create_client(alice.actor, ClientInput(name="Acme", emails=["ops@acme.com"]))
    await login(client, alice)
    response = await post_form(client, f"/dashboard/clients/{acme.id}", {"name": "", "emails": "x@y.com"})
    assert response.status_code == 422
    assert (await get_client(alice.actor, acme.id)).emails == ["ops@acme.com"]


async def test_a_teammate_can_add_clients(client, bob):
    await login(client, bob)
    response = await post_form(client, "/dashboard/clients", {"name": "Bob's client"}, follow_redirects=False)
    assert response.status_code == 303
    assert await Client.count().where(Client.workspace == bob.workspace.id) == 1


async def test_it_renders_a_script_name_as_text(client, alice):
    acme = await create_client(alice.actor, ClientInput(name="<script>alert(1)</script>"))
    await login(client, alice)
    for url in ("/dashboard/clients", f"/dashboard/clients/{acme.id}", f"/dashboard/clients/{acme.id}/edit"):
        page = await client.get(url)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "<script>alert(1)</script>" not in page.text
