"""Logging in and out."""

from tests.conftest import PASSWORD, login, post_form


async def test_it_shows_the_login_form(client):
    response = await client.get("/login")
    assert response.status_code == 200
    assert 'name="password"' in response.text


async def test_it_logs_in_and_lands_on_clients(client, alice):
    response = await post_form(
        client, "/login", {"email": "ALICE@alice-agency.com", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 302
    page = await client.get("/dashboard/clients")
    assert page.status_code == 200
    assert "Alice Agency" in page.text


async def test_it_rejects_a_wrong_password_with_one_message(client, alice):
    response = await post_form(client, "/login", {"email": alice.user.email, "password": "nope-nope-nope"})
    assert response.status_code == 422
    assert "don&#39;t match an account" in response.text
    assert (await client.get("/dashboard/clients", follow_redirects=False)).status_code == 302


async def test_it_throttles_after_repeated_failures(client, alice):
    for _ in range(5):
        await post_form(client, "/login", {"email": alice.user.email, "password": "wrong-password"})
    response = await post_form(client, "/login", {"email": alice.user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.text


async def test_it_logs_out(client, alice):
    await login(client, alice)
    response = await post_form(client, "/logout", follow_redirects=False)
    assert response.status_code in (302, 303)
    assert (await client.get("/dashboard/clients", follow_redirects=False)).headers["location"].startswith("/login")


async def test_it_redirects_anonymous_people_to_login_with_next(client):
    response = await client.get("/dashboard/clients?q=acme", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/login?next=/dashboard/clients%3Fq%3Dacme"


async def test_it_sends_htmx_requests_to_login_with_hx_redirect(client):
    response = await client.get("/dashboard/clients", headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


async def test_it_rejects_a_post_without_csrf_token(client, alice):
    response = await client.post("/login", data={"email": alice.user.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "form expired" in response.text
    assert not client.cookies.get("cp_session")
