"""Settings fail fast on bad values."""

import pytest

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
        ("DEFAULT_TIMEZONE", "Mars/Base", "not a known time zone"),
        ("STRIPE_API_BASE", "ftp://stripe", "STRIPE_API_BASE must be a URL"),
        ("ALLOWED_HOSTS", "*", "ALLOWED_HOSTS entries"),
        ("ALLOWED_HOSTS", "app.*.example", "ALLOWED_HOSTS entries"),
        ("RESET_EMAILS_PER_ADDRESS_PER_HOUR", "0", "at least 1"),
        ("RESET_REQUESTS_PER_IP_PER_HOUR", "lots", "whole number"),
        ("INVITATIONS_PER_WORKSPACE_PER_HOUR", "0", "at least 1"),
        ("SIGNUPS_PER_IP_PER_HOUR", "-1", "at least 1"),
    ],
)
def test_it_rejects_a_bad_value_with_the_variable_name(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        load_settings()


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
