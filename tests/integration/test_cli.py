"""The operator command line: `python -m app ...` (run as a real subprocess against the test database)."""

import os
import socket
import subprocess
import sys
from decimal import Decimal

import pytest

from app.accounts.tables import User
from tests.plugins.database import ROOT

# The settings production checks: each test starts without them and sets only what it is about.
_UNSAFE = (
    "APP_ENV",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "BASE_URL",
    "ENCRYPTION_KEY",
    "STRIPE_SECRET_KEY",
    "STRIPE_CLIENT_ID",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "STRIPE_CONNECT_BASE",
)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    # A command that wrongly starts serving runs into the timeout, and the test fails with TimeoutExpired.
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env
    )


def _env_without_settings(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in _UNSAFE}
    return {**env, **extra}


def _free_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def test_create_user_then_set_plan_then_refuse_a_bad_plan():
    created = _cli("create-user", "ops@cli.agency", "cli-password-123", "--workspace", "CLI Agency")
    assert created.returncode == 0, created.stderr
    assert "Created ops@cli.agency as owner of workspace" in created.stdout
    workspace_id = created.stdout.split("workspace ")[1].split(" ")[0]
    upgraded = _cli("set-plan", workspace_id, "agency")
    assert upgraded.returncode == 0 and "is now on the agency plan" in upgraded.stdout
    bad = _cli("set-plan", workspace_id, "platinum")
    assert bad.returncode != 0 and "invalid choice" in bad.stderr
    missing = _cli("set-plan", "999999", "pro")
    assert missing.returncode == 1 and "No such workspace" in missing.stderr


async def test_set_rate_records_a_months_rate_and_refuses_a_bad_one():
    from app.revenue.rates import rate_of

    recorded = _cli("set-rate", "2026-10", "eur", "1.0825")
    assert recorded.returncode == 0, recorded.stderr
    assert "1 EUR = 1.0825 USD" in recorded.stdout
    assert await rate_of("2026-10", "eur") == Decimal("1.0825")
    bad = _cli("set-rate", "2026-13", "eur", "1.1")
    assert bad.returncode == 1 and "YYYY-MM" in bad.stderr
    negative = _cli("set-rate", "2026-11", "eur", "-1")
    assert negative.returncode == 1 and "positive" in negative.stderr
    assert await rate_of("2026-11", "eur") == Decimal("1.0825")  # the refused rate changed nothing


def test_create_user_reports_a_taken_email():
    assert _cli("create-user", "dup@cli.agency", "cli-password-123").returncode == 0
    again = _cli("create-user", "dup@cli.agency", "cli-password-123")
    assert again.returncode == 1 and "already exists" in again.stderr


def test_serve_without_app_env_is_production_and_refuses_to_start_with_one_message():
    result = _cli("serve", "--port", _free_port(), env=_env_without_settings())
    assert result.returncode == 2, result.stderr
    assert "APP_ENV is not set, which means production" in result.stderr
    for name in ("SECRET_KEY", "BASE_URL", "STRIPE_SECRET_KEY", "STRIPE_CLIENT_ID", "STRIPE_WEBHOOK_SECRET"):
        assert f"  - {name} " in result.stderr
    assert "For the local demo run `make run` or set APP_ENV=development." in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_in_production_refuses_the_stand_ins_stripe_values_and_lists_each():
    env = _env_without_settings(
        APP_ENV="production",
        SECRET_KEY="p" * 48,
        BASE_URL="https://cp.example",
        STRIPE_SECRET_KEY="sk_test_standin_platform",
        STRIPE_CLIENT_ID="ca_standin_clientpulse",
        STRIPE_WEBHOOK_SECRET="whsec_standin_clientpulse",
        STRIPE_API_BASE="http://127.0.0.1:12111",
        STRIPE_CONNECT_BASE="http://127.0.0.1:12111",
    )
    result = _cli("serve", "--port", _free_port(), env=env)
    assert result.returncode == 2, result.stderr
    listed = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert [line.split()[1] for line in listed] == [
        "STRIPE_SECRET_KEY",
        "STRIPE_CLIENT_ID",
        "STRIPE_WEBHOOK_SECRET",
        "STRIPE_API_BASE",
        "STRIPE_CONNECT_BASE",
    ]
    assert "whsec_standin_clientpulse" not in result.stderr and "p" * 48 not in result.stderr


def test_serve_in_development_with_the_development_key_refuses_a_public_host():
    result = _cli(
        "serve", "--host", "0.0.0.0", "--port", _free_port(), env=_env_without_settings(APP_ENV="development")
    )
    assert result.returncode == 2, result.stderr
    assert "serve refuses --host 0.0.0.0: the development SECRET_KEY" in result.stderr
    assert "only a loopback address" in result.stderr


async def test_seed_demo_never_runs_in_production():
    env = _env_without_settings(
        APP_ENV="production",
        SECRET_KEY="p" * 48,
        BASE_URL="https://cp.example",
        STRIPE_SECRET_KEY="sk_live_x0123456789",
        STRIPE_CLIENT_ID="ca_x0123456789",
        STRIPE_WEBHOOK_SECRET="whsec_x0123456789",
    )
    result = _cli("seed-demo", env=env)
    assert result.returncode == 2 and "seed-demo creates logins with published passwords" in result.stderr
    assert await User.count() == 0


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.53", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        ("192.168.1.5", False),
        ("clientpulse.example", False),
    ],
)
def test_only_loopback_addresses_count_as_loopback(host, loopback):
    from app.cli import _is_loopback

    assert _is_loopback(host) is loopback
