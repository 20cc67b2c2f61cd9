"""Pytest plugin: the local Stripe stand-in as a real subprocess on a free loopback port.

Load with ``pytest_plugins = ["tests.plugins.standin"]``. Fixtures:

- ``standin`` (session): a running stand-in, seeded with ``--seed 42 --scale demo``;
- ``fresh_standin`` (function): the same process, reset to that seeded state: data regenerated,
  faults, request log, OAuth links, webhook endpoints and deliveries cleared, real clock.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from tests.polling import wait_until  # tests import it from here too

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SEED = 42
DEFAULT_SCALE = "demo"
STARTUP_TIMEOUT = 15.0

# Well-known ids of the seeded demo accounts (also listed by ``standin.accounts()``).
NORTHWIND_DIGITAL = "acct_1NorthwindDigital"
NORTHWIND_LABS = "acct_1NorthwindLabsLtd"
ELSEWHERE = "acct_1ElsewhereTrading"
DEMO_USER = "owner@demo.test"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Standin:
    base_url: str
    secret_key: str = "sk_test_standin_platform"
    client_id: str = "ca_standin_clientpulse"
    process: subprocess.Popen | None = None
    _http: httpx.Client = field(default=None, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.base_url, timeout=30.0)

    # -- control API ------------------------------------------------------------------
    def _call(self, method: str, path: str, json: dict | None = None, params: dict | None = None) -> Any:
        resp = self._http.request(method, f"/_standin/{path}", json=json, params=params)
        if resp.status_code >= 400:
            raise AssertionError(f"stand-in control {method} {path} -> {resp.status_code}: {resp.text}")
        return resp.json()

    def reset(
        self,
        seed: int = DEFAULT_SEED,
        scale: str | int = DEFAULT_SCALE,
        link: list[str] | None = None,
        empty: bool = False,
        everything: bool = False,
    ) -> dict:
        """Regenerate data (deterministic by seed); clears faults, request log, OAuth links."""
        body = {"seed": seed, "scale": str(scale), "link": link or [], "empty": empty}
        return self._call("POST", "reset_all" if everything else "reset", body)

    def set_faults(self, **faults: Any) -> dict:
        """latency_ms, rate_limit, account_rps, endpoint_rps, fail_next (-1: always), fail_probability, fail_seed,
        fail_path (a path prefix), fail_status."""
        return self._call("POST", "faults", faults)

    def clear_faults(self) -> dict:
        return self._call("DELETE", "faults")

    def faults(self) -> dict:
        return self._call("GET", "faults")

    def requests(self, **filters: Any) -> list[dict]:
        """The request log: dicts with method, path, query, account, status, time."""
        return self._call("GET", "requests", params=filters)["data"]

    def clear_requests(self) -> None:
        self._call("DELETE", "requests")

    def action(self, name: str, **params: Any) -> dict:
        """pay_invoice, mark_invoice_past_due, create_invoice, cancel_subscription, apply_coupon,
        update_customer_email, refund_charge, fail_refund, deauthorize, link_account, issue_code, emit_event
        (stripe_standin/actions.py); onboard, restrict_account, pass_deadlines, disable_payouts, review_account,
        verify_account, set_balance, create_payout, pay_payout, fail_payout, fail_subscription_renewal,
        pay_checkout_session (stripe_standin/connect_actions.py)."""
        return self._call("POST", f"actions/{name}", params)

    def accounts(self) -> list[dict]:
        return self._call("GET", "accounts")["data"]

    def objects(self, account: str, collection: str, limit: int = 100) -> list[dict]:
        """Rendered objects (customers, invoices, ...) of any account, newest first, no OAuth needed."""
        return self._call("GET", f"accounts/{account}/{collection}", params={"limit": limit})["data"]

    def link(self, account: str = NORTHWIND_DIGITAL) -> dict:
        """Connect ``account`` to the platform without the consent page; returns the OAuth token."""
        return self.action("link_account", account=account)

    def register_webhook(
        self, url: str, enabled_events: list[str] | None = None, connect: bool = True, secret: str | None = None
    ) -> str:
        body = {"url": url, "enabled_events": enabled_events or ["*"], "connect": connect}
        if secret:
            body["secret"] = secret
        return self._call("POST", "webhooks", body)["secret"]

    def webhook_config(self, **settings: Any) -> dict:
        return self._call("POST", "webhooks/config", settings)

    def deliveries(self) -> list[dict]:
        return self._call("GET", "webhooks/deliveries")["data"]

    def set_clock(self, now: int | None) -> dict:
        return self._call("POST", "clock", {"now": now})

    # -- the official SDK ---------------------------------------------------------------
    def sdk(self, api_key: str | None = None, **options: Any) -> stripe.StripeClient:
        base = {"api": self.base_url, "connect": self.base_url, "files": self.base_url}
        return stripe.StripeClient(api_key or self.secret_key, client_id=self.client_id, base_addresses=base, **options)

    def close(self) -> None:
        self._http.close()


def start_standin(
    seed: int = DEFAULT_SEED,
    scale: str = DEFAULT_SCALE,
    extra_args: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> Standin:
    """Start ``python -m stripe_standin serve`` on a free port; fail (never skip) if it does not come up."""
    port = free_port()
    stderr = tempfile.TemporaryFile()  # noqa: SIM115 (kept open for the process's life; closed in stop())
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stripe_standin",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--seed",
            str(seed),
            "--scale",
            str(scale),
            *(extra_args or []),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    standin = Standin(
        base_url=f"http://127.0.0.1:{port}",
        process=proc,
        secret_key=env.get("STANDIN_SECRET_KEY", "sk_test_standin_platform"),
        client_id=env.get("STANDIN_CLIENT_ID", "ca_standin_clientpulse"),
    )

    def answered_or_exited() -> bool:
        if proc.poll() is not None:
            return True  # it died: nothing more to wait for
        try:
            return httpx.get(f"{standin.base_url}/_standin/health", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    with contextlib.suppress(AssertionError):  # reported below, with the stand-in's output
        wait_until(answered_or_exited, timeout=STARTUP_TIMEOUT, interval=0.05, message="the Stripe stand-in")
    if proc.poll() is None and answered_or_exited():
        return standin
    proc.kill()
    proc.wait()
    stderr.seek(0)
    output = stderr.read().decode(errors="replace")
    pytest.fail(
        f"the Stripe stand-in did not come up on port {port} within {STARTUP_TIMEOUT}s "
        f"(exit code {proc.returncode}). stderr:\n{output}",
        pytrace=False,
    )


def stop_standin(server: Standin) -> None:
    server.close()
    if server.process is not None:
        server.process.terminate()
        try:
            server.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="session")
def standin() -> Iterator[Standin]:
    server = start_standin()
    try:
        yield server
    finally:
        stop_standin(server)


@pytest.fixture
def fresh_standin(standin: Standin) -> Standin:
    standin.set_clock(None)
    standin.reset(DEFAULT_SEED, DEFAULT_SCALE, everything=True)
    standin.webhook_config(max_attempts=5, base_delay=0.5, timeout=5.0)
    return standin
