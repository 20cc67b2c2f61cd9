"""Helpers for the log-in and session tests: clients at a chosen address, and a look inside password hashing."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from app.accounts.tables import PasswordResetToken, User
from app.core import security
from app.core.timeutil import utcnow
from app.settings import get_settings

OWNER_ADDRESS = "198.51.100.10"
STRANGER_ADDRESS = "203.0.113.66"


@asynccontextmanager
async def client_at(app, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests reach the app from `address`, as a server puts the peer address in the ASGI scope.

    Unlike Litestar's AsyncTestClient (fixed "testclient" address, one request at a time on its own thread),
    this runs the app on the test's event loop, so asyncio.gather sends truly concurrent requests.
    """
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        yield client


async def reset_path(user: User) -> str:
    """The path of a fresh reset link for `user`, as if they had opened the email (which isn't under test here)."""
    token, token_hash = security.new_token()
    now = utcnow()
    await PasswordResetToken.insert(
        PasswordResetToken(user=user.id, token_hash=token_hash, created_at=now, expires_at=now + timedelta(hours=1))
    )
    return f"/password/reset/{token}"


@dataclass(frozen=True)
class HashingCall:
    password_hash: str
    thread_name: str
    on_event_loop: bool


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _recorder(calls: list[HashingCall], real, hash_of):
    def recording(*args):
        calls.append(HashingCall(hash_of(args), threading.current_thread().name, _on_event_loop()))
        return real(*args)

    return recording


@pytest.fixture(name="verify_calls")
def fx_verify_calls(monkeypatch) -> list[HashingCall]:
    """Every argon2 verify the app runs (the real one still runs), with the hash it checked and where it ran."""
    calls: list[HashingCall] = []
    monkeypatch.setattr(security, "verify_password", _recorder(calls, security.verify_password, lambda a: a[0]))
    return calls


@pytest.fixture(name="hash_calls")
def fx_hash_calls(monkeypatch) -> list[HashingCall]:
    """Every argon2 hash the app computes (the real one still runs), with where it ran."""
    calls: list[HashingCall] = []
    monkeypatch.setattr(security, "hash_password", _recorder(calls, security.hash_password, lambda a: ""))
    return calls


@pytest.fixture(name="login_limits")
def fx_login_limits(monkeypatch):
    """Smaller address-wide and account-wide limits, so a test reaches them with a handful of attempts."""

    def apply(**env: int):
        for name, value in env.items():
            monkeypatch.setenv(name, str(value))
        get_settings.cache_clear()
        return get_settings()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()
