"""Every setting ClientPulse reads, taken from the environment once and checked up front."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ROOT = Path(__file__).resolve().parent.parent

# Shipped so `make run` works on a fresh clone; production refuses to start with it.
DEV_SECRET_KEY = "dev-insecure-secret-key-change-me-0123456789"


class ImproperlyConfigured(RuntimeError):
    """A setting has a value the app cannot run with."""


def _env(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the contents of the file named by NAME_FILE (for secrets mounted as files)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE points at {file_name!r}, which cannot be read") from exc
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def _env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def _env_url(name: str, default: str | None, schemes: set[str]) -> str | None:
    raw = _env(name, default)
    if raw is None:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in schemes or not (parsed.hostname or parsed.path):
        allowed = ", ".join(sorted(schemes))
        raise ImproperlyConfigured(f"{name} must be a URL with scheme {allowed}; got a value with scheme {parsed.scheme!r}")
    return raw.rstrip("/")


@dataclass(frozen=True)
class Settings:
    env: str
    secret_key: str
    base_url: str
    data_dir: Path
    database_url: str | None
    sqlite_path: Path
    redis_url: str | None
    huey_name: str
    smtp_url: str | None
    mail_from: str
    default_timezone: str
    stripe_secret_key: str
    stripe_client_id: str
    stripe_webhook_secret: str
    stripe_api_base: str
    stripe_connect_base: str
    stripe_requests_per_second: int
    stripe_requests_per_endpoint: int
    sync_heartbeat_timeout_seconds: int
    login_max_failures: int
    login_window_seconds: int
    db_pool_size: int

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def uses_postgres(self) -> bool:
        return self.database_url is not None

    @property
    def session_key(self) -> bytes:
        """A 32-byte key for the encrypted session cookie, derived so one SECRET_KEY serves every purpose."""
        return hashlib.sha256(b"clientpulse-session:" + self.secret_key.encode()).digest()

    @property
    def encryption_key(self) -> bytes:
        """A Fernet key for secrets at rest (Stripe tokens), derived from SECRET_KEY unless ENCRYPTION_KEY is set."""
        explicit = _env("ENCRYPTION_KEY")
        if explicit:
            return explicit.encode()
        digest = hashlib.sha256(b"clientpulse-encryption:" + self.secret_key.encode()).digest()
        return base64.urlsafe_b64encode(digest)


def load_settings() -> Settings:
    """Build Settings from the environment, raising ImproperlyConfigured on the first bad value."""
    env = _env("APP_ENV", "development")
    if env not in {"development", "test", "production"}:
        raise ImproperlyConfigured(f"APP_ENV must be development, test or production, got {env!r}")
    secret_key = _env("SECRET_KEY", DEV_SECRET_KEY)
    if env == "production" and (secret_key == DEV_SECRET_KEY or len(secret_key) < 32):
        raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 32+ characters in production")
    data_dir = Path(_env("DATA_DIR", str(ROOT / "var"))).resolve()
    database_url = _env_url("DATABASE_URL", None, {"postgres", "postgresql"})
    timezone = _env("DEFAULT_TIMEZONE", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ImproperlyConfigured(f"DEFAULT_TIMEZONE {timezone!r} is not a known time zone") from exc
    stripe_base = "http://127.0.0.1:12111"
    return Settings(
        env=env,
        secret_key=secret_key,
        base_url=_env_url("BASE_URL", "http://127.0.0.1:8000", {"http", "https"}),
        data_dir=data_dir,
        database_url=database_url,
        sqlite_path=Path(_env("SQLITE_PATH", str(data_dir / "clientpulse.sqlite3"))),
        redis_url=_env_url("REDIS_URL", None, {"redis", "rediss"}),
        huey_name=_env("HUEY_NAME", "clientpulse"),
        smtp_url=_env_url("SMTP_URL", None, {"smtp", "smtps"}),
        mail_from=_env("MAIL_FROM", "ClientPulse <brief@clientpulse.local>"),
        default_timezone=timezone,
        stripe_secret_key=_env("STRIPE_SECRET_KEY", "sk_test_standin_platform"),
        stripe_client_id=_env("STRIPE_CLIENT_ID", "ca_standin_clientpulse"),
        stripe_webhook_secret=_env("STRIPE_WEBHOOK_SECRET", "whsec_standin_clientpulse"),
        stripe_api_base=_env_url("STRIPE_API_BASE", stripe_base, {"http", "https"}),
        stripe_connect_base=_env_url("STRIPE_CONNECT_BASE", stripe_base, {"http", "https"}),
        stripe_requests_per_second=_env_int("STRIPE_REQUESTS_PER_SECOND", 25, minimum=1),
        stripe_requests_per_endpoint=_env_int("STRIPE_REQUESTS_PER_ENDPOINT", 10, minimum=1),
        sync_heartbeat_timeout_seconds=_env_int("SYNC_HEARTBEAT_TIMEOUT_SECONDS", 600, minimum=1),
        login_max_failures=_env_int("LOGIN_MAX_FAILURES", 5, minimum=1),
        login_window_seconds=_env_int("LOGIN_WINDOW_SECONDS", 900, minimum=1),
        db_pool_size=_env_int("DATABASE_POOL_SIZE", 10, minimum=0),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
