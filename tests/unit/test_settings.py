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
        ("SYNC_HEARTBEAT_TIMEOUT_SECONDS", "soon", "SYNC_HEARTBEAT_TIMEOUT_SECONDS must be a whole number"),
        ("SYNC_HEARTBEAT_TIMEOUT_SECONDS", "0", "at least 1"),
        ("DEFAULT_TIMEZONE", "Mars/Base", "not a known time zone"),
        ("STRIPE_API_BASE", "ftp://stripe", "STRIPE_API_BASE must be a URL"),
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
