"""Session cookies and CSRF protection, for plain and HTMX requests."""

from tests.conftest import PASSWORD, login, post_form


async def test_the_session_cookie_is_httponly_and_samesite_lax(client, alice):
    await client.get("/login")
    response = await post_form(client, "/login", {"email": alice.user.email, "password": PASSWORD},
                               follow_redirects=False)
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("cp_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")


async def test_an_htmx_post_without_the_csrf_header_is_refused(client, alice):
    await login(client, alice)
    response = await client.post("/dashboard/settings/team/invite", data={"email": "x@example.com"},
                                 headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert "form expired" in response.headers["HX-Trigger"]


async def test_a_post_with_a_wrong_csrf_token_is_refused(client, alice):
    await login(client, alice)
    response = await client.post("/dashboard/settings/workspace", data={"name": "X", "timezone": "UTC"},
                                 headers={"x-csrftoken": "forged"})
    assert response.status_code == 403


async def test_pages_carry_the_csrf_token_for_htmx_on_the_body(client, alice):
    await login(client, alice)
    page = await client.get("/dashboard/settings")
    assert '<body hx-headers=\'{"x-csrftoken": "' in page.text


async def test_unknown_pages_answer_404_with_a_page(client, alice):
    await login(client, alice)
    response = await client.get("/dashboard/nothing-here")
    assert response.status_code == 404 and "There&#39;s nothing at this address" in response.text
