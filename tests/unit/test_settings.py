"""Settings fail fast on bad values."""

import base64
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet

from app.settings import DEV_SECRET_KEY, ImproperlyConfigured, load_settings


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("APP_ENV", "staging", "APP_ENV must be"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL must be a URL"),
        ("REDIS_URL", "http://localhost", "REDIS_URL must be a URL"),
        ("LOGIN_MAX_FAILURES", "many", "whole number"),
        ("LOGIN_MAX_FAILURES", "0", "at least 1"),
        ("LOGIN_MAX_FAILURES_PER_IP", "4", "LOGIN_MAX_FAILURES_PER_IP must be at least 5"),
        ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "lots", "whole number"),
        ("SESSION_MAX_AGE_SECONDS", "30", "at least 60"),
        ("PASSWORD_HASH_WORKERS", "0", "at least 1"),
        ("SYNC_HEARTBEAT_TIMEOUT_SECONDS", "soon", "SYNC_HEARTBEAT_TIMEOUT_SECONDS must be a whole number"),
        ("SYNC_HEARTBEAT_TIMEOUT_SECONDS", "0", "at least 1"),
        ("DEFAULT_TIMEZONE", "Mars/Base", "not a known time zone"),
        ("STRIPE_API_BASE", "ftp://stripe", "STRIPE_API_BASE must be a URL"),
        ("ALLOWED_HOSTS", "*", "ALLOWED_HOSTS entries"),
        ("ALLOWED_HOSTS", "app.*.example", "ALLOWED_HOSTS entries"),
        ("RESET_EMAILS_PER_ADDRESS_PER_HOUR", "0", "at least 1"),
        ("RESET_REQUESTS_PER_IP_PER_HOUR", "lots", "whole number"),
        ("INVITATIONS_PER_WORKSPACE_PER_HOUR", "0", "at least 1"),
        ("SIGNUPS_PER_IP_PER_HOUR", "-1", "at least 1"),
        ("SUPPORT_EMAIL", "helpdesk", "SUPPORT_EMAIL must be an email address"),
        ("SYNC_CATCHUP_MINUTES", "7", "SYNC_CATCHUP_MINUTES must divide an hour"),
        ("SYNC_CATCHUP_MINUTES", "0", "at least 1"),
        ("PLATFORM_PRICE_PER_CREDIT", "abc", "PLATFORM_PRICE_PER_CREDIT must be a price in dollars"),
        ("PLATFORM_PRICE_PER_CREDIT", "-0.001", "PLATFORM_PRICE_PER_CREDIT must be a price in dollars"),
        ("PLATFORM_PRICE_PER_CREDIT", "1e-3", "PLATFORM_PRICE_PER_CREDIT must be a price in dollars"),
        ("PLATFORM_PRICE_PER_CREDIT", "0.0000001", "at most 6 decimal places"),
        ("PLATFORM_PRICE_PER_CREDIT", "10", "PLATFORM_PRICE_PER_CREDIT must be below 10"),
    ],
)
def test_it_rejects_a_bad_value_with_the_variable_name(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        load_settings()


def test_the_support_address_and_the_catch_up_period_can_be_set(monkeypatch):
    monkeypatch.setenv("SUPPORT_EMAIL", "help@agency.example")
    monkeypatch.setenv("SYNC_CATCHUP_MINUTES", "30")
    settings = load_settings()
    assert (settings.support_email, settings.sync_catchup_minutes) == ("help@agency.example", 30)


def test_the_platform_price_per_credit_is_a_decimal_defaulting_to_a_tenth_of_a_cent(monkeypatch):
    monkeypatch.delenv("PLATFORM_PRICE_PER_CREDIT", raising=False)
    assert load_settings().platform_price_per_credit == Decimal("0.001")
    monkeypatch.setenv("PLATFORM_PRICE_PER_CREDIT", " 0.0025 ")
    price = load_settings().platform_price_per_credit
    assert isinstance(price, Decimal) and price == Decimal("0.0025")


def test_production_refuses_the_development_secret(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", DEV_SECRET_KEY)
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        load_settings()


def test_secrets_can_come_from_files(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s" * 40 + "\n")
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))
    assert load_settings().secret_key == "s" * 40


def test_postgres_and_redis_are_chosen_by_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/cp")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = load_settings()
    assert settings.uses_postgres and settings.redis_url == "redis://127.0.0.1:6379/0"


def test_sqlite_is_the_default(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert not load_settings().uses_postgres


def test_allowed_hosts_are_base_urls_host_with_its_port_and_the_extra_ones(monkeypatch):
    monkeypatch.setenv("BASE_URL", "https://App.Example:8443/")
    monkeypatch.setenv("ALLOWED_HOSTS", " *.app.example ,Internal.lan,")
    assert load_settings().allowed_hosts == ("app.example", "app.example:8443", "*.app.example", "internal.lan")


# A complete, safe production environment; each refusal test breaks one thing in it.
PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "p" * 48,
    "BASE_URL": "https://clientpulse.example",
    "STRIPE_SECRET_KEY": "sk_live_platformkey0123456789",
    "STRIPE_CLIENT_ID": "ca_platformclient0123456789",
    "STRIPE_WEBHOOK_SECRET": "whsec_endpointsecret0123456789",
}
STRIPE_AND_BASE_NAMES = [
    "STRIPE_SECRET_KEY",
    "STRIPE_CLIENT_ID",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "STRIPE_CONNECT_BASE",
    "BASE_URL",
    "ENCRYPTION_KEY",
]


@pytest.fixture(name="production_env")
def fx_production_env(monkeypatch):
    for name in STRIPE_AND_BASE_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_app_env_unset_means_production_which_refuses_the_demo_defaults_all_at_once(monkeypatch):
    for name in ["APP_ENV", "SECRET_KEY", *STRIPE_AND_BASE_NAMES]:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings()
    message = str(caught.value)
    assert "APP_ENV is not set, which means production" in message
    for name in ["SECRET_KEY", "BASE_URL", "STRIPE_SECRET_KEY", "STRIPE_CLIENT_ID", "STRIPE_WEBHOOK_SECRET"]:
        assert f"  - {name} " in message
    assert "For the local demo run `make run` or set APP_ENV=development." in message


def test_a_complete_production_environment_starts_against_stripe_itself(production_env):
    settings = load_settings()
    assert settings.production and not settings.uses_dev_secret_key
    assert settings.stripe_api_base == "https://api.stripe.com"
    assert settings.stripe_connect_base == "https://connect.stripe.com"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SECRET_KEY", DEV_SECRET_KEY, "SECRET_KEY must be set to a random value of 32+ characters"),
        ("SECRET_KEY", "short-but-random", "SECRET_KEY must be set to a random value of 32+ characters"),
        ("BASE_URL", "http://clientpulse.example", "BASE_URL must be the public https:// address"),
        ("STRIPE_SECRET_KEY", None, "STRIPE_SECRET_KEY is missing or is the local Stripe stand-in's value"),
        ("STRIPE_SECRET_KEY", "sk_test_standin_platform", "STRIPE_SECRET_KEY is missing or is the local Stripe"),
        ("STRIPE_SECRET_KEY", "pk_live_publishable0123", "STRIPE_SECRET_KEY does not look like"),
        ("STRIPE_CLIENT_ID", None, "STRIPE_CLIENT_ID is missing or is the local Stripe stand-in's value"),
        ("STRIPE_CLIENT_ID", "ca_standin_clientpulse", "STRIPE_CLIENT_ID is missing or is the local Stripe"),
        ("STRIPE_WEBHOOK_SECRET", None, "STRIPE_WEBHOOK_SECRET is missing or is the local Stripe stand-in's value"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_standin_clientpulse", "STRIPE_WEBHOOK_SECRET is missing or is the local"),
        ("STRIPE_WEBHOOK_SECRET", "sk_live_swapped0123456789", "STRIPE_WEBHOOK_SECRET does not look like"),
        ("STRIPE_API_BASE", "http://127.0.0.1:12111", "STRIPE_API_BASE must be https://api.stripe.com"),
        ("STRIPE_API_BASE", "https://api.stripe.com.evil.example", "STRIPE_API_BASE must be https://api.stripe.com"),
        ("STRIPE_CONNECT_BASE", "http://connect.stripe.com", "STRIPE_CONNECT_BASE must be https://connect.stripe"),
    ],
)
def test_production_refuses_each_unsafe_value_by_name_without_echoing_it(production_env, name, value, message):
    if value is None:
        production_env.delenv(name)
    else:
        production_env.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match="APP_ENV is production") as caught:
        load_settings()
    assert message in str(caught.value)
    assert str(caught.value).count("\n  - ") == 1, "only the broken setting is listed"
    if value and name != "BASE_URL":
        assert value not in str(caught.value)


def test_development_and_test_keep_the_stand_in_defaults(monkeypatch):
    for name in STRIPE_AND_BASE_NAMES:
        monkeypatch.delenv(name, raising=False)
    for env in ("development", "test"):
        monkeypatch.setenv("APP_ENV", env)
        settings = load_settings()
        assert settings.stripe_api_base == "http://127.0.0.1:12111"
        assert settings.stripe_webhook_secrets == ("whsec_standin_clientpulse",)


def test_webhook_secrets_are_a_comma_separated_list_with_spaces_stripped(production_env):
    production_env.setenv("STRIPE_WEBHOOK_SECRET", " whsec_platform0123 ,whsec_connect0123,  whsec_platform0123")
    settings = load_settings()
    assert settings.stripe_webhook_secrets == ("whsec_platform0123", "whsec_connect0123")


@pytest.mark.parametrize("value", ["whsec_a0123,,whsec_b0123", "whsec_a0123,", " , "])
def test_an_empty_webhook_secret_item_stops_start_up_in_every_environment(monkeypatch, value):
    for env in ("development", "production"):
        monkeypatch.setenv("APP_ENV", env)
        monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", value)
        with pytest.raises(ImproperlyConfigured, match="STRIPE_WEBHOOK_SECRET has an empty item"):
            load_settings()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("whsec_platform0123,sk_live_swapped0123", "STRIPE_WEBHOOK_SECRET does not look like"),
        ("whsec_platform0123,whsec_standin_clientpulse", "STRIPE_WEBHOOK_SECRET is missing or is the local"),
    ],
)
def test_production_checks_every_webhook_secret_in_the_list(production_env, value, message):
    production_env.setenv("STRIPE_WEBHOOK_SECRET", value)
    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings()
    assert message in str(caught.value) and str(caught.value).count("\n  - ") == 1
    assert "sk_live_swapped0123" not in str(caught.value)


def test_outside_production_a_webhook_secret_list_need_not_be_whsec(monkeypatch):
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_standin_clientpulse,local-test-secret")
    assert load_settings().stripe_webhook_secrets == ("whsec_standin_clientpulse", "local-test-secret")


@pytest.mark.parametrize(
    "key",
    [
        "not-a-fernet-key",
        "A" * 43,
        "QUJD" * 11,
        base64.urlsafe_b64encode(b"k" * 16).decode(),
        base64.urlsafe_b64encode(b"k" * 33).decode(),
        "A" * 42 + "+=",
    ],
)
def test_an_invalid_encryption_key_stops_start_up_without_echoing_it(monkeypatch, key):
    monkeypatch.setenv("ENCRYPTION_KEY", key)
    with pytest.raises(ImproperlyConfigured, match="ENCRYPTION_KEY must be a Fernet key") as caught:
        load_settings()
    assert key not in str(caught.value)


def test_a_valid_encryption_key_is_read_once_and_stored(monkeypatch):
    key = Fernet.generate_key()
    monkeypatch.setenv("ENCRYPTION_KEY", key.decode())
    settings = load_settings()
    monkeypatch.delenv("ENCRYPTION_KEY")
    assert settings.encryption_key == key  # kept, not re-read from the environment
    assert Fernet(settings.encryption_key).decrypt(Fernet(key).encrypt(b"token")) == b"token"


def test_without_encryption_key_one_is_derived_from_the_secret_key(monkeypatch):
    monkeypatch.delenv("ENCRYPTION_KEY", raising=False)
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    first = load_settings().encryption_key
    Fernet(first)  # a usable key
    monkeypatch.setenv("SECRET_KEY", "t" * 40)
    assert load_settings().encryption_key != first
