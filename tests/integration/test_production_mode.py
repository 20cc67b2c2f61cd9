"""With APP_ENV=production: no dev outbox, session cookies only over HTTPS, and only BASE_URL's host answered."""

import secrets

import pytest
from litestar.testing import AsyncTestClient

from app.main import create_app
from app.settings import get_settings, load_settings
from tests.conftest import PASSWORD, csrf_token


@pytest.fixture(name="prod_settings")
def fx_prod_settings(monkeypatch):
    # Built from a production environment for this app only: the process-wide settings are read (and cached)
    # before the environment changes, so the services these tests reach keep the test settings.
    get_settings()
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(36))  # 48 characters
    monkeypatch.setenv("BASE_URL", "https://app.example")
    settings = load_settings()
    assert settings.production
    yield settings
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture(name="prod_client")
async def fx_prod_client(prod_settings):
    # https, so the test client sends the Secure CSRF and session cookies back.
    async with AsyncTestClient(app=create_app(prod_settings), base_url="https://app.example") as client:
        yield client


async def test_production_answers_400_to_a_host_other_than_base_urls(prod_client):
    assert (await prod_client.get("/login")).status_code == 200
    assert (await prod_client.get("/login", headers={"Host": "app.example"})).status_code == 200
    forged = await prod_client.get("/login", headers={"Host": "evil.example"})
    assert forged.status_code == 400
    forged_post = await prod_client.post("/password/forgot", data={"email": "a@b.com"}, headers={"Host": "evil.example"})
    assert forged_post.status_code == 400


async def test_production_answers_the_extra_allowed_hosts_and_health_probes_by_ip(monkeypatch, prod_settings):
    monkeypatch.setenv("ALLOWED_HOSTS", "*.app.example, internal.lan")
    app = create_app(load_settings())
    async with AsyncTestClient(app=app, base_url="https://app.example") as client:
        assert (await client.get("/login", headers={"Host": "eu.app.example"})).status_code == 200
        assert (await client.get("/login", headers={"Host": "internal.lan"})).status_code == 200
        assert (await client.get("/login", headers={"Host": "evil.example"})).status_code == 400
        assert (await client.get("/healthz", headers={"Host": "10.0.0.7:8000"})).status_code == 200


async def test_outside_production_any_host_is_answered(client):
    assert (await client.get("/login", headers={"Host": "evil.example"})).status_code == 200


async def test_the_dev_outbox_is_not_mounted_in_production(prod_client, client):
    assert (await prod_client.get("/dev/outbox")).status_code == 404
    assert (await prod_client.get("/dev/outbox/1")).status_code == 404
    assert (await client.get("/dev/outbox")).status_code == 200  # the same route exists outside production


async def test_the_session_cookie_is_secure_httponly_and_samesite_lax_in_production(prod_client, alice):
    token = await csrf_token(prod_client)
    response = await prod_client.post("/login", data={"email": alice.user.email, "password": PASSWORD},
                                      headers={"x-csrftoken": token}, follow_redirects=False)
    assert response.status_code in (302, 303), response.text
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("cp_session="))
    attributes = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")[1:]}
    assert "secure" in attributes and "httponly" in attributes
    assert attributes["samesite"].split("=")[1].lower() == "lax"
    assert (await prod_client.get("/dashboard/settings")).status_code == 200  # the Secure session works over https
