"""With APP_ENV=production: no dev outbox, session cookies only over HTTPS, only BASE_URL's host answered, and
only the real webhook secret."""

import pytest
from litestar.testing import AsyncTestClient

from app.main import create_app
from app.settings import get_settings
from tests.conftest import PASSWORD, csrf_token
from tests.integration.conftest import PRODUCTION_WEBHOOK_SECRET, signed, use_production_environment


@pytest.fixture(name="prod_env")
def fx_prod_env(app, monkeypatch):
    """A production environment, read by load_settings() as `python -m app serve` would read it.

    `app` first: the session's test app is built (from test settings) before the environment turns production.
    The cache is cleared on the way in, so request-time get_settings() calls see production too, and on the way
    out after the environment is restored, so later tests get test settings again.
    """
    use_production_environment(monkeypatch)
    try:
        yield monkeypatch
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


@pytest.fixture(name="prod_client")
async def fx_prod_client(prod_env):
    settings = get_settings()
    assert settings.production and settings.stripe_webhook_secrets == (PRODUCTION_WEBHOOK_SECRET,)
    # https, so the test client sends the Secure CSRF and session cookies back.
    async with AsyncTestClient(app=create_app(settings), base_url="https://app.example") as client:
        yield client


async def test_production_answers_400_to_a_host_other_than_base_urls(prod_client):
    assert (await prod_client.get("/login")).status_code == 200
    assert (await prod_client.get("/login", headers={"Host": "app.example"})).status_code == 200
    forged = await prod_client.get("/login", headers={"Host": "evil.example"})
    assert forged.status_code == 400
    forged_post = await prod_client.post(
        "/password/forgot", data={"email": "a@b.com"}, headers={"Host": "evil.example"}
    )
    assert forged_post.status_code == 400


async def test_production_answers_the_extra_allowed_hosts_and_health_probes_by_ip(prod_env):
    prod_env.setenv("ALLOWED_HOSTS", "*.app.example, internal.lan")
    get_settings.cache_clear()
    async with AsyncTestClient(app=create_app(get_settings()), base_url="https://app.example") as client:
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
    response = await prod_client.post(
        "/login",
        data={"email": alice.user.email, "password": PASSWORD},
        headers={"x-csrftoken": token},
        follow_redirects=False,
    )
    assert response.status_code in (302, 303), response.text
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("cp_session="))
    attributes = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")[1:]}
    assert "secure" in attributes and "httponly" in attributes
    assert attributes["samesite"].split("=")[1].lower() == "lax"
    assert (await prod_client.get("/dashboard/settings")).status_code == 200  # the Secure session works over https


async def test_a_webhook_signed_with_the_stand_ins_secret_is_refused_in_production(prod_client):
    event = {
        "id": "evt_forged",
        "object": "event",
        "type": "account.application.deauthorized",
        "account": "acct_1NorthwindDigital",
        "created": 1,
        "data": {"object": {}},
    }
    payload, headers = signed(event, secret="whsec_standin_clientpulse")  # in this repository
    assert (await prod_client.post("/billing/stripe/webhook", content=payload, headers=headers)).status_code == 400
    payload, headers = signed(event, secret=PRODUCTION_WEBHOOK_SECRET)
    assert (await prod_client.post("/billing/stripe/webhook", content=payload, headers=headers)).status_code == 200


async def test_the_production_settings_do_not_leak_into_later_tests():
    assert not get_settings().production and get_settings().env == "test"
