"""Password hashing, single-use tokens and encryption of secrets at rest."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken

from app.settings import get_settings

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    """Hash with argon2id (argon2-cffi's defaults follow RFC 9106's recommendation)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches; never raises on a malformed hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _hashing_pool() -> ThreadPoolExecutor:
    # argon2 takes tens to hundreds of milliseconds of CPU and 64 MiB per call: off the event loop so other requests
    # keep being served, and through a few workers so a burst of log-ins queues instead of exhausting memory.
    return ThreadPoolExecutor(max_workers=get_settings().password_hash_workers, thread_name_prefix="password-hash")


async def hash_password_off_loop(password: str) -> str:
    """hash_password in the bounded hashing pool, for async callers."""
    return await asyncio.get_running_loop().run_in_executor(_hashing_pool(), hash_password, password)


async def verify_password_off_loop(password_hash: str, password: str) -> bool:
    """verify_password in the bounded hashing pool, for async callers."""
    # Looked up at call time (not bound early) so that a wrapper installed on the module sees every call.
    return await asyncio.get_running_loop().run_in_executor(_hashing_pool(), verify_password, password_hash, password)


_dummy_hash: str | None = None


async def dummy_password_hash() -> str:
    """A hash of a random secret, made with the same parameters as real ones.

    Verifying a password against it costs what verifying against a real account costs, so the time a log-in
    takes does not tell whether the email is registered.
    """
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = await hash_password_off_loop(secrets.token_urlsafe(32))
    return _dummy_hash


def new_token() -> tuple[str, str]:
    """A URL-safe token to email and the sha256 digest to store in its place.

    Returns:
        (token, token_hash): only the hash is persisted, so a database leak exposes no usable link.
    """
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def encrypt_secret(plaintext: str) -> str:
    """Encrypt a secret (e.g. a Stripe token) for storage."""
    return Fernet(get_settings().encryption_key).encrypt(plaintext.encode()).decode()


def decrypt_secret(ciphertext: str) -> str:
    """Decrypt what encrypt_secret produced; raises ValueError without echoing the secret."""
    try:
        return Fernet(get_settings().encryption_key).decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("stored secret cannot be decrypted with the configured key") from exc
