"""Passwords, tokens and secrets at rest."""

from app.core.security import decrypt_secret, encrypt_secret, hash_password, hash_token, new_token, verify_password


def test_passwords_are_hashed_with_argon2id_and_verified():
    hashed = hash_password("correct-horse")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct-horse")
    assert not verify_password(hashed, "wrong-horse")
    assert not verify_password("not-a-hash", "correct-horse")


def test_only_the_token_hash_is_kept():
    token, token_hash = new_token()
    assert token not in token_hash and hash_token(token) == token_hash and len(token) >= 40


def test_secrets_round_trip_and_are_not_stored_in_clear():
    stored = encrypt_secret("sk_live_very_secret")
    assert "sk_live_very_secret" not in stored
    assert decrypt_secret(stored) == "sk_live_very_secret"
