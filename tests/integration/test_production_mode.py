"""With APP_ENV=production: no dev outbox, and session cookies only travel over HTTPS."""

import dataclasses
import secrets

import pytest
from litestar.testing import AsyncTestClient

from app.main import create_app
from app.settings import get_settings
from tests.conftest import PASSWORD, csrf_token


@pytest.fixture(name="prod_client")
async def fx_prod_client():
    # A production app built from explicit settings: the cached settings other tests use stay untouched.
    settings = dataclasses.replace(get_settings(), env="production", secret_key=secrets.token_urlsafe(48))
    assert settings.production
    # https, so the test client sends the Secure CSRF and session cookies back.
    async with AsyncTestClient(app=create_app(settings), base_url="https://testserver.local") as client:
        yield client


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
