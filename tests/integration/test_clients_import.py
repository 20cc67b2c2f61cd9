"""CSV import: a preview with a per-row report, then all rows or none."""

from app.clients.csv_import import MAX_MEGABYTES, MAX_ROWS
from app.clients.services import ClientInput, create_client
from app.clients.tables import Client, ClientEmail
from app.workspaces.services import set_plan
from tests.conftest import csrf_token, login, post_form

GOOD = 'Name,Emails,Domains,Notes\nAcme,"ops@acme.com; Billing@ACME.com",www.acme.com,VIP\nBluebird,hi@bluebird.io,,\n'
BAD = "name,emails,domains\n,ops@acme.com,\nBluebird,not-an-email,\nCopper,ops@acme.com,localhost\nFine,,\n"


async def _upload(client, text: str, htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    # Browsers send the CSRF token of a multipart form as the hidden _csrf_token field.
    return await client.post(
        "/dashboard/clients/import",
        data={"_csrf_token": await csrf_token(client)},
        files={"file": ("clients.csv", text.encode("utf-8-sig"), "text/csv")},
        headers=headers,
    )


async def test_it_shows_the_upload_form_with_the_limits_the_import_enforces(client, alice):
    await login(client, alice)
    page = await client.get("/dashboard/clients/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    assert f"up to {MAX_ROWS:,} rows and {MAX_MEGABYTES} MB" in page.text


async def test_it_previews_what_will_be_created_without_saving(client, alice):
    await login(client, alice)
    page = await _upload(client, GOOD)
    assert page.status_code == 200 and "<html" in page.text
    assert page.text.count('data-testid="import-row"') == 2
    assert "billing@acme.com" in page.text and "Import 2 clients" in page.text
    assert "disabled" not in page.text.split('data-testid="confirm-import"')[1].split(">")[0]
    assert await Client.count() == 0


async def test_it_answers_an_htmx_upload_with_the_preview_fragment(client, alice):
    await login(client, alice)
    fragment = await _upload(client, GOOD, htmx=True)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'id="import-preview"' in fragment.text


async def test_it_lists_every_bad_row_with_its_number_and_disables_the_import(client, alice):
    await login(client, alice)
    page = await _upload(client, BAD)
    errors = page.text.split('data-testid="row-error">')[1:]
    assert any(e.startswith("Row 2: Enter the client") for e in errors)
    assert any(e.startswith("Row 3: &#39;not-an-email&#39; is not a valid email") for e in errors)
    assert any(e.startswith("Row 4: ops@acme.com is already used in row 2") for e in errors)
    assert any(e.startswith("Row 4: &#39;localhost&#39; is not a valid domain") for e in errors)
    assert "3 rows have errors" in page.text
    assert "disabled" in page.text.split('data-testid="confirm-import"')[1].split(">")[0]


async def test_a_forged_confirm_of_a_bad_file_imports_nothing(client, alice):
    await login(client, alice)
    for htmx in (False, True):
        response = await post_form(client, "/dashboard/clients/import/confirm", {"csv_text": BAD}, htmx=htmx)
        assert response.status_code == 422
        assert 'data-testid="row-error"' in response.text
        assert ("<html" in response.text) is not htmx
    assert await Client.count() == 0


async def test_it_imports_every_row_of_a_good_file(client, alice):
    await login(client, alice)
    response = await post_form(client, "/dashboard/clients/import/confirm", {"csv_text": GOOD}, follow_redirects=False)
    assert response.status_code == 303
    assert sorted(r["name"] for r in await Client.select(Client.name)) == ["Acme", "Bluebird"]
    assert await ClientEmail.count().where(ClientEmail.email == "billing@acme.com") == 1
    assert "Imported 2 clients." in (await client.get("/dashboard/clients")).text


async def test_it_flags_emails_of_existing_clients_and_warns_about_existing_names(client, alice):
    await create_client(alice.actor, ClientInput(name="Acme", emails=["ops@acme.com"]))
    await login(client, alice)
    page = await _upload(client, "name,emails\nacme,\nOther,OPS@acme.com\n")
    assert "Row 3: ops@acme.com already belongs to Acme." in page.text
    assert 'data-testid="row-warning">A client named acme already exists' in page.text


async def test_the_free_plan_limit_applies_to_the_whole_batch(client, alice):
    for name in ("One", "Two"):
        await create_client(alice.actor, ClientInput(name=name))
    await login(client, alice)
    page = await _upload(client, "name\nThree\nFour\n")
    assert 'data-testid="plan-limit"' in page.text and "/dashboard/billing" in page.text
    response = await post_form(client, "/dashboard/clients/import/confirm", {"csv_text": "name\nThree\nFour\n"})
    assert response.status_code == 403
    assert await Client.count() == 2
    await set_plan(alice.workspace.id, "pro")
    response = await post_form(client, "/dashboard/clients/import/confirm", {"csv_text": "name\nThree\nFour\n"})
    assert response.status_code == 200 and await Client.count() == 4


async def test_it_explains_files_it_cannot_read(client, alice):
    await login(client, alice)
    page = await _upload(client, "emails\nops@acme.com\n")
    assert page.status_code == 422 and "header" in page.text
    response = await client.post(
        "/dashboard/clients/import",
        data={"_csrf_token": await csrf_token(client)},
        files={"file": ("big.csv", b"name\n" + b"x" * (2 * 1024 * 1024), "text/csv")},
    )
    assert response.status_code == 422 and "larger than 2 MB" in response.text
