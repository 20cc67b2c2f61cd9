"""Session cookies, CSRF protection, and the security headers every kind of response carries."""

import pytest
from litestar import get
from litestar.testing import AsyncTestClient

from app.core.mail import Email, record_email
from app.main import create_app
from app.settings import get_settings, load_settings
from tests.conftest import PASSWORD, login, post_form
from tests.integration.conftest import PRODUCTION_BASE_URL, use_production_environment


def _directives(response) -> dict[str, str]:
    policy = response.headers.get("content-security-policy", "")
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


def assert_secure_headers(response) -> None:
    """The policy, nosniff, referrer and framing headers; no HSTS outside production."""
    csp = _directives(response)
    assert csp, f"{response.request.url} has no Content-Security-Policy"
    assert csp["default-src"] == "'self'" and csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'" and csp["img-src"] == "'self' data:"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert csp["form-action"].split()[0] == "'self'"
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert response.headers.get("referrer-policy") == "same-origin"
    assert response.headers.get("x-frame-options") == "DENY"
    assert "strict-transport-security" not in response.headers


async def test_the_session_cookie_is_httponly_and_samesite_lax(client, alice):
    await client.get("/login")
    response = await post_form(
        client, "/login", {"email": alice.user.email, "password": PASSWORD}, follow_redirects=False
    )
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("cp_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")


async def test_an_htmx_post_without_the_csrf_header_is_refused(client, alice):
    await login(client, alice)
    response = await client.post(
        "/dashboard/settings/team/invite", data={"email": "x@example.com"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 403
    assert "form expired" in response.headers["HX-Trigger"]


async def test_a_post_with_a_wrong_csrf_token_is_refused(client, alice):
    await login(client, alice)
    response = await client.post(
        "/dashboard/settings/workspace", data={"name": "X", "timezone": "UTC"}, headers={"x-csrftoken": "forged"}
    )
    assert response.status_code == 403


async def test_pages_carry_the_csrf_token_for_htmx_on_the_body(client, alice):
    await login(client, alice)
    page = await client.get("/dashboard/settings")
    assert '<body hx-headers=\'{"x-csrftoken": "' in page.text


async def test_unknown_pages_answer_404_with_a_page(client, alice):
    await login(client, alice)
    response = await client.get("/dashboard/nothing-here")
    assert response.status_code == 404 and "There&#39;s nothing at this address" in response.text


async def _page(client, alice):
    response = await client.get("/login")
    assert response.status_code == 200 and "<html" in response.text
    return response


async def _fragment(client, alice):
    await login(client, alice)
    response = await client.get("/dashboard/clients", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    return response


async def _redirect(client, alice):
    response = await client.get("/dashboard/clients", follow_redirects=False)
    assert response.status_code == 302
    return response


async def _not_found(client, alice):
    response = await client.get("/no-such-page")
    assert response.status_code == 404
    return response


async def _csrf_refusal(client, alice):
    await login(client, alice)
    response = await client.post("/dashboard/settings/workspace", data={"name": "X", "timezone": "UTC"})
    assert response.status_code == 403
    return response


async def _static_file(client, alice):
    response = await client.get("/static/js/app.js")
    assert response.status_code == 200 and "javascript" in response.headers["content-type"]
    return response


async def _unsigned_webhook(client, alice):
    response = await client.post(
        "/billing/stripe/webhook", content=b'{"id": "evt_1"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    return response


async def _health(client, alice):
    response = await client.get("/healthz")
    assert response.status_code == 200
    return response


RESPONSES = {
    "a page": _page,
    "an htmx fragment": _fragment,
    "a redirect": _redirect,
    "a 404": _not_found,
    "a CSRF 403": _csrf_refusal,
    "a static file": _static_file,
    "the unsigned webhook's 400": _unsigned_webhook,
    "the health check": _health,
}


@pytest.mark.parametrize("kind", RESPONSES)
async def test_every_kind_of_response_carries_the_security_headers(kind, client, alice):
    assert_secure_headers(await RESPONSES[kind](client, alice))


async def test_an_unhandled_error_page_carries_the_security_headers():
    @get("/boom", name="test:boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    app = create_app()
    app.register(boom)
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/boom")
    assert response.status_code == 500 and "Something went wrong" in response.text
    assert_secure_headers(response)


async def test_the_email_preview_alone_may_apply_inline_styles_and_still_runs_no_inline_script(client, alice):
    html = '<p style="color: #1f2430">Hi</p>'
    message = await record_email(Email(to="x@example.com", subject="Hi", text="Hi", html=html, kind="test"))
    preview = await client.get(f"/dev/outbox/{message.id}")
    assert preview.status_code == 200
    csp = _directives(preview)
    assert csp["style-src"] == "'self' 'unsafe-inline'" and csp["script-src"] == "'self'"
    assert_secure_headers(await client.get("/dev/outbox"))


async def test_only_production_sends_strict_transport_security(monkeypatch):
    use_production_environment(monkeypatch)
    production = create_app(load_settings())
    async with AsyncTestClient(app=production, base_url=PRODUCTION_BASE_URL) as client:
        page = await client.get("/login")
        missing = await client.get("/no-such-page")
    for response in (page, missing):
        assert response.headers["strict-transport-security"] == "max-age=63072000; includeSubDomains"
        # The Connect button's 303 to Stripe's consent page is a form submission's redirect: allowed, nothing else.
        assert _directives(response)["form-action"] == "'self' https://connect.stripe.com"
    monkeypatch.undo()
    get_settings.cache_clear()
    async with AsyncTestClient(app=create_app(load_settings())) as client:
        assert "strict-transport-security" not in (await client.get("/login")).headers
