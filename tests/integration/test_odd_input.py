"""Control characters (NUL above all, which PostgreSQL cannot store) get a 4xx with a message, never a 500."""

import pytest

from app.accounts.tables import LoginAttempt, User
from app.clients.tables import Client
from app.workspaces.services import set_plan
from tests.conftest import PASSWORD, csrf_token, login, post_form

# NUL, other C0 controls, and an escape sequence; tab, newline and carriage return are ordinary text.
ODD = ["\x00", "\x01", "\x08", "\x0e", "\x1b[31m", "\x7f\x00"]
MESSAGE = "control character"


def _refused(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    assert MESSAGE in (response.headers.get("HX-Trigger") or response.text)  # a toast for htmx, else a page


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize("field", ["name", "emails", "domains", "notes"])
async def test_client_create_refuses_control_characters_in_any_field_and_creates_nothing(client, alice, field, odd):
    await login(client, alice)
    form = {"name": "Acme", "emails": "ops@acme.com", "domains": "acme.com", "notes": "VIP"}
    form[field] = f"{form[field][:2]}{odd}{form[field][2:]}"
    _refused(await post_form(client, "/dashboard/clients/", form, follow_redirects=False))
    assert await Client.count() == 0


async def test_client_create_keeps_tabs_and_line_breaks_in_notes(client, alice):
    await login(client, alice)
    notes = "Line one\r\nLine two\tindented"
    response = await post_form(client, "/dashboard/clients/", {"name": "Acme", "notes": notes}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert (await Client.objects().first()).notes == notes.strip()


async def test_client_edit_refuses_a_nul_and_changes_nothing(client, alice):
    await login(client, alice)
    created = await post_form(client, "/dashboard/clients/", {"name": "Acme"}, follow_redirects=False)
    url = created.headers["location"]
    _refused(await post_form(client, url, {"name": "Ac\x00me"}, htmx=True))
    assert [c.name for c in await Client.objects()] == ["Acme"]


@pytest.mark.parametrize("param", ["q", "status", "sort", "only"])
async def test_client_search_and_filters_refuse_a_nul(client, alice, param):
    await login(client, alice)
    _refused(await client.get("/dashboard/clients", params={param: "ac\x00me"}))


async def test_client_search_refuses_a_nul_from_htmx_with_a_toast(client, alice):
    await login(client, alice)
    response = await client.get("/dashboard/clients", params={"q": "\x00"}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and MESSAGE in response.headers["HX-Trigger"]


async def test_the_review_grid_search_refuses_a_nul(client, alice):
    await set_plan(alice.workspace.id, "pro")
    await login(client, alice)
    _refused(await client.get("/dashboard/integrations/stripe/unmatched/", params={"q": "x\x00"}))


@pytest.mark.parametrize("odd", ODD)
async def test_log_in_refuses_control_characters_and_records_no_attempt(client, alice, odd):
    _refused(await post_form(client, "/login", {"email": f"alice{odd}@alice-agency.com", "password": PASSWORD}))
    _refused(await post_form(client, "/login", {"email": alice.user.email, "password": f"{PASSWORD}{odd}"}))
    assert await LoginAttempt.count() == 0
    assert client.cookies.get("cp_session") is None


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize("field", ["email", "password", "name", "workspace_name"])
async def test_sign_up_refuses_control_characters_and_creates_no_user(client, field, odd):
    form = {"email": "nia@example.com", "password": "a-long-password", "name": "Nia", "workspace_name": "Nia Studio"}
    form[field] = f"{form[field][:2]}{odd}{form[field][2:]}"
    _refused(await post_form(client, "/signup", form, follow_redirects=False))
    assert await User.count() == 0


async def test_a_path_segment_with_a_nul_is_refused(client):
    _refused(await client.get("/invitations/abc%00def"))


async def _upload(client, text: str):
    return await client.post(
        "/dashboard/clients/import",
        data={"_csrf_token": await csrf_token(client)},
        files={"file": ("clients.csv", text.encode(), "text/csv")},
    )


@pytest.mark.parametrize("odd", ["\x00", "\x01", "\x1b"])
@pytest.mark.parametrize("column", [0, 3])
async def test_csv_import_reports_a_control_character_in_a_cell_as_a_row_error(client, alice, odd, column):
    await login(client, alice)
    cells = ["Acme", "ops@acme.com", "acme.com", "VIP"]
    cells[column] = cells[column][:2] + odd + cells[column][2:]
    text = "name,emails,domains,notes\n" + ",".join(cells) + "\nBluebird,hi@bluebird.io,,\n"
    preview = await _upload(client, text)
    assert preview.status_code == 200, preview.text[:500]
    assert 'data-testid="import-row"' in preview.text and MESSAGE in preview.text
    confirm = await post_form(client, "/dashboard/clients/import/confirm", {"csv_text": text})
    _refused(confirm)
    assert await Client.count() == 0
