"""Password hashing, single-use tokens and encryption of secrets at rest."""

from __future__ import annotations

import hashlib
import secrets

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
