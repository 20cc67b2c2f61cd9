"""Every setting ClientPulse reads, taken from the environment once and checked up front."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ROOT = Path(__file__).resolve().parent.parent

# Shipped so `make run` works on a fresh clone; production refuses to start with it.
DEV_SECRET_KEY = "dev-insecure-secret-key-change-me-0123456789"
# The local Stripe stand-in's credentials are in this repository, so anyone could sign with them.
STANDIN_STRIPE_SECRET_KEY = "sk_test_standin_platform"
STANDIN_STRIPE_CLIENT_ID = "ca_standin_clientpulse"
STANDIN_STRIPE_WEBHOOK_SECRET = "whsec_standin_clientpulse"
STANDIN_STRIPE_BASE = "http://127.0.0.1:12111"
STANDIN_STRIPE_VALUES = {STANDIN_STRIPE_SECRET_KEY, STANDIN_STRIPE_CLIENT_ID, STANDIN_STRIPE_WEBHOOK_SECRET}
STRIPE_API_BASE = "https://api.stripe.com"
STRIPE_CONNECT_BASE = "https://connect.stripe.com"
DEMO_HINT = "For the local demo run `make run` or set APP_ENV=development."
_FERNET_KEY = re.compile(r"[A-Za-z0-9_-]{43}=")
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
_PLAIN_DECIMAL = re.compile(r"[0-9]+(\.[0-9]{1,6})?")
# The smallest credit pack (app.credit_pricing.PACKS_USD) is $10: a platform price at or above it leaves no pack
# buying a credit. Kept here as a number because settings import nothing of ours; a unit test ties the two.
PLATFORM_PRICE_CEILING = Decimal(10)


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


def _env_int(name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, got {value}")
    return value


def _env_email(name: str, default: str) -> str:
    raw = _env(name, default)
    if not _EMAIL.fullmatch(raw):
        raise ImproperlyConfigured(f"{name} must be an email address like support@example.com, got {raw!r}")
    return raw


def _env_price_per_credit(name: str, default: str) -> Decimal:
    """A price in dollars per credit: plain decimal text (0.001), at most 6 decimal places, from 0 to below $10."""
    raw = _env(name, default).strip()
    if not _PLAIN_DECIMAL.fullmatch(raw):
        raise ImproperlyConfigured(
            f"{name} must be a price in dollars like 0.001 (digits, at most 6 decimal places), got {raw!r}"
        )
    value = Decimal(raw)
    if value >= PLATFORM_PRICE_CEILING:
        raise ImproperlyConfigured(
            f"{name} must be below {PLATFORM_PRICE_CEILING} (the smallest credit pack), got {raw}"
        )
    return value


def _env_minutes_dividing_an_hour(name: str, default: int) -> int:
    """A period in minutes for a `*/N` crontab: N must divide 60, or the runs would bunch up at each hour."""
    value = _env_int(name, default, minimum=1)
    if 60 % value:
        raise ImproperlyConfigured(
            f"{name} must divide an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60), got {value}"
        )
    return value


def _env_url(name: str, default: str | None, schemes: set[str]) -> str | None:
    raw = _env(name, default)
    if raw is None:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in schemes or not (parsed.hostname or parsed.path):
        allowed = ", ".join(sorted(schemes))
        raise ImproperlyConfigured(
            f"{name} must be a URL with scheme {allowed}; got a value with scheme {parsed.scheme!r}"
        )
    return raw.rstrip("/")


def _allowed_hosts(base_url: str) -> tuple[str, ...]:
    """BASE_URL's host (with and without its port) and the extra hosts listed in ALLOWED_HOSTS."""
    parsed = urlparse(base_url)
    hosts = [parsed.hostname or ""]
    if parsed.port:
        hosts.append(f"{parsed.hostname}:{parsed.port}")
    for host in (_env("ALLOWED_HOSTS", "") or "").split(","):
        host = host.strip().lower()
        if not host:
            continue
        # "*" would switch the check off, and Litestar only understands a wildcard as a leading "*.".
        if "*" in host and (not host.startswith("*.") or "*" in host[2:]):
            raise ImproperlyConfigured(f"ALLOWED_HOSTS entries must be host names or *.domain wildcards, got {host!r}")
        hosts.append(host)
    return tuple(dict.fromkeys(h for h in hosts if h))


@dataclass(frozen=True)
class Settings:
    env: str
    secret_key: str
    encryption_key: bytes  # a Fernet key for secrets at rest (Stripe tokens)
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
    # One signing secret per webhook endpoint (platform, Connect) and, while rotating, the old one too.
    stripe_webhook_secrets: tuple[str, ...]
    stripe_api_base: str
    stripe_connect_base: str
    stripe_requests_per_second: int
    stripe_requests_per_endpoint: int
    sync_heartbeat_timeout_seconds: int
    login_max_failures: int
    login_window_seconds: int
    db_pool_size: int
    login_max_failures_per_ip: int
    login_max_failures_per_account: int
    session_max_age_seconds: int
    password_hash_workers: int
    # Host headers production answers: BASE_URL's host plus ALLOWED_HOSTS (see _allowed_hosts).
    allowed_hosts: tuple[str, ...] = ()
    reset_emails_per_address_per_hour: int = 5
    reset_requests_per_ip_per_hour: int = 20
    invitations_per_workspace_per_hour: int = 50
    signups_per_ip_per_hour: int = 10
    # Where pages send people who need a person (a plan change, a sync that keeps failing).
    support_email: str = "support@helloaurora.ai"
    # How often the periodic catch-up runs; pages promise a retry "within" this long, so they read it from here.
    sync_catchup_minutes: int = 15
    # What ClientPulse charges per credit; each agency's Cost per Credit is added on top (app.credit_pricing).
    platform_price_per_credit: Decimal = Decimal("0.001")

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
    def uses_dev_secret_key(self) -> bool:
        return self.secret_key == DEV_SECRET_KEY


def _encryption_key(secret_key: str) -> bytes:
    """ENCRYPTION_KEY, checked now rather than at the first Stripe token; else one derived from SECRET_KEY."""
    explicit = _env("ENCRYPTION_KEY")
    if explicit is None:
        digest = hashlib.sha256(b"clientpulse-encryption:" + secret_key.encode()).digest()
        return base64.urlsafe_b64encode(digest)
    try:
        valid = bool(_FERNET_KEY.fullmatch(explicit)) and len(base64.urlsafe_b64decode(explicit)) == 32
    except (binascii.Error, ValueError):
        valid = False
    if not valid:
        # Never echo the value: it is a secret even when it is a malformed one.
        raise ImproperlyConfigured(
            "ENCRYPTION_KEY must be a Fernet key: 32 url-safe base64-encoded bytes (44 characters ending in '='). "
            "Generate one with: python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        )
    return explicit.encode()


def _production_problems(settings: Settings) -> list[str]:
    """Everything that makes `settings` unsafe to serve real agencies with (an empty list when none)."""
    problems = []
    if settings.uses_dev_secret_key or len(settings.secret_key) < 32:
        problems.append("SECRET_KEY must be set to a random value of 32+ characters")
    if not settings.base_url.startswith("https://"):
        problems.append("BASE_URL must be the public https:// address (session cookies are Secure-only)")
    # Values are never echoed: some are secrets, and a URL may carry credentials.
    stripe_values = (
        ("STRIPE_SECRET_KEY", (settings.stripe_secret_key,), ("sk_", "rk_"), "the platform's secret key (sk_...)"),
        ("STRIPE_CLIENT_ID", (settings.stripe_client_id,), ("ca_",), "the Connect client id (ca_...)"),
        (
            "STRIPE_WEBHOOK_SECRET",
            settings.stripe_webhook_secrets,
            ("whsec_",),
            "the webhook endpoints' signing secrets (whsec_..., comma-separated)",
        ),
    )
    for name, values, prefixes, meaning in stripe_values:
        if any(value in STANDIN_STRIPE_VALUES or "standin" in value for value in values):
            problems.append(f"{name} is missing or is the local Stripe stand-in's value; set it to {meaning}")
        elif not all(value.startswith(prefixes) for value in values):
            problems.append(f"{name} does not look like {meaning}")
    for name, value, expected in (
        ("STRIPE_API_BASE", settings.stripe_api_base, STRIPE_API_BASE),
        ("STRIPE_CONNECT_BASE", settings.stripe_connect_base, STRIPE_CONNECT_BASE),
    ):
        if value != expected:
            problems.append(f"{name} must be {expected} (or be left unset)")
    return problems


def _refuse_unsafe_production(settings: Settings, app_env_set: bool) -> None:
    problems = _production_problems(settings)
    if problems:
        why = "APP_ENV is production" if app_env_set else "APP_ENV is not set, which means production"
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise ImproperlyConfigured(f"ClientPulse cannot start: {why}, and\n{listed}\n{DEMO_HINT}")


def load_settings() -> Settings:
    """Build Settings from the environment, raising ImproperlyConfigured on a bad value.

    APP_ENV defaults to production, so a forgotten variable fails safe: the development key, the dev outbox
    and the stand-in's Stripe credentials are only ever used when someone asked for them.
    """
    env = _env("APP_ENV", "production")
    if env not in {"development", "test", "production"}:
        raise ImproperlyConfigured(f"APP_ENV must be development, test or production, got {env!r}")
    secret_key = _env("SECRET_KEY", DEV_SECRET_KEY)
    production = env == "production"
    data_dir = Path(_env("DATA_DIR", str(ROOT / "var"))).resolve()
    database_url = _env_url("DATABASE_URL", None, {"postgres", "postgresql"})
    timezone = _env("DEFAULT_TIMEZONE", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ImproperlyConfigured(f"DEFAULT_TIMEZONE {timezone!r} is not a known time zone") from exc
    # Production defaults to Stripe itself: only an explicit setting points it anywhere else (and is refused).
    stripe_api_base = STRIPE_API_BASE if production else STANDIN_STRIPE_BASE
    stripe_connect_base = STRIPE_CONNECT_BASE if production else STANDIN_STRIPE_BASE
    login_max_failures = _env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
    base_url = _env_url("BASE_URL", "http://127.0.0.1:8000", {"http", "https"})
    settings = Settings(
        env=env,
        secret_key=secret_key,
        encryption_key=_encryption_key(secret_key),
        base_url=base_url,
        data_dir=data_dir,
        database_url=database_url,
        sqlite_path=Path(_env("SQLITE_PATH", str(data_dir / "clientpulse.sqlite3"))),
        redis_url=_env_url("REDIS_URL", None, {"redis", "rediss"}),
        huey_name=_env("HUEY_NAME", "clientpulse"),
        smtp_url=_env_url("SMTP_URL", None, {"smtp", "smtps"}),
        mail_from=_env("MAIL_FROM", "ClientPulse <brief@clientpulse.local>"),
        default_timezone=timezone,
        stripe_secret_key=_env("STRIPE_SECRET_KEY", STANDIN_STRIPE_SECRET_KEY),
        stripe_client_id=_env("STRIPE_CLIENT_ID", STANDIN_STRIPE_CLIENT_ID),
        stripe_webhook_secrets=_webhook_secrets(_env("STRIPE_WEBHOOK_SECRET", STANDIN_STRIPE_WEBHOOK_SECRET)),
        stripe_api_base=_env_url("STRIPE_API_BASE", stripe_api_base, {"http", "https"}),
        stripe_connect_base=_env_url("STRIPE_CONNECT_BASE", stripe_connect_base, {"http", "https"}),
        # Stripe's live-mode limits (100 reads/s per account, 25 per endpoint) are the most a budget may take.
        stripe_requests_per_second=_env_int("STRIPE_REQUESTS_PER_SECOND", 25, minimum=1, maximum=100),
        stripe_requests_per_endpoint=_env_int("STRIPE_REQUESTS_PER_ENDPOINT", 10, minimum=1, maximum=25),
        sync_heartbeat_timeout_seconds=_env_int("SYNC_HEARTBEAT_TIMEOUT_SECONDS", 600, minimum=1),
        login_max_failures=login_max_failures,
        login_window_seconds=_env_int("LOGIN_WINDOW_SECONDS", 900, minimum=1),
        db_pool_size=_env_int("DATABASE_POOL_SIZE", 10, minimum=0),
        **_login_limits(login_max_failures),
        allowed_hosts=_allowed_hosts(base_url),
        reset_emails_per_address_per_hour=_env_int("RESET_EMAILS_PER_ADDRESS_PER_HOUR", 5, minimum=1),
        reset_requests_per_ip_per_hour=_env_int("RESET_REQUESTS_PER_IP_PER_HOUR", 20, minimum=1),
        invitations_per_workspace_per_hour=_env_int("INVITATIONS_PER_WORKSPACE_PER_HOUR", 50, minimum=1),
        signups_per_ip_per_hour=_env_int("SIGNUPS_PER_IP_PER_HOUR", 10, minimum=1),
        support_email=_env_email("SUPPORT_EMAIL", Settings.support_email),
        sync_catchup_minutes=_env_minutes_dividing_an_hour("SYNC_CATCHUP_MINUTES", Settings.sync_catchup_minutes),
        platform_price_per_credit=_env_price_per_credit(
            "PLATFORM_PRICE_PER_CREDIT", str(Settings.platform_price_per_credit)
        ),
    )
    if production:
        _refuse_unsafe_production(settings, app_env_set=_env("APP_ENV") is not None)
    return settings


def _webhook_secrets(raw: str) -> tuple[str, ...]:
    """STRIPE_WEBHOOK_SECRET as a list: `whsec_a, whsec_b` -> ('whsec_a', 'whsec_b'); an empty item is refused."""
    secrets = tuple(item.strip() for item in raw.split(","))
    if not all(secrets):
        # An empty item is usually a stray comma from a half-finished rotation: say so rather than verify less.
        raise ImproperlyConfigured("STRIPE_WEBHOOK_SECRET has an empty item; list signing secrets separated by commas")
    return tuple(dict.fromkeys(secrets))


def _login_limits(per_pair: int) -> dict[str, int]:
    """Throttling, session and hashing limits; the wider throttles can't be tighter than the per-pair one."""
    return {
        # Across emails from one address: stops one client guessing through a list of accounts.
        "login_max_failures_per_ip": _env_int("LOGIN_MAX_FAILURES_PER_IP", 20, minimum=per_pair),
        # Across addresses for one email: high, so a stranger can't wall the real owner out from one address.
        "login_max_failures_per_account": _env_int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 50, minimum=per_pair),
        "session_max_age_seconds": _env_int("SESSION_MAX_AGE_SECONDS", 14 * 24 * 3600, minimum=60),
        "password_hash_workers": _env_int("PASSWORD_HASH_WORKERS", 2, minimum=1),
    }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
