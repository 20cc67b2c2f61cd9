"""Sign-up, log-in with throttling, password reset, and the per-hour limits on sign-ups and reset emails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from app.accounts import throttle
from app.accounts.sessions import end_every_session
from app.accounts.tables import LoginAttempt, PasswordResetToken, User
from app.core.errors import Conflict, NotFound, RateLimited, ValidationFailed
from app.core.mail import compose, record_email
from app.core.security import (
    MIN_PASSWORD_LENGTH,
    dummy_password_hash,
    hash_password_off_loop,
    hash_token,
    new_token,
    verify_password_off_loop,
)
from app.core.tables import OutboxMessage, RateLimitHit
from app.core.timeutil import utcnow
from app.core.validation import InvalidValue, normalise_email
from app.settings import get_settings

RESET_TOKEN_LIFETIME = timedelta(hours=2)
LIMIT_WINDOW = timedelta(hours=1)
RESET_REQUEST = "password_reset_request"
RESET_EMAIL = "password_reset"  # the email's templates, and the outbox kind the per-address limit counts
SIGNUP = "signup"
GENERIC_LOGIN_ERROR = "That email and password don't match an account."


def check_password_strength(password: str, errors: dict[str, str], field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        errors[field] = f"Use at least {MIN_PASSWORD_LENGTH} characters."


async def create_user(email: str, password: str, name: str = "") -> User:
    """Create a login.

    Raises:
        ValidationFailed: bad email, weak password, or the email is already registered.
    """
    errors: dict[str, str] = {}
    try:
        email = normalise_email(email)
    except InvalidValue as exc:
        errors["email"] = str(exc)
    check_password_strength(password, errors)
    if not errors and await User.exists().where(User.email == email):
        errors["email"] = "An account with this email already exists. Log in instead, or reset your password."
    if errors:
        raise ValidationFailed(errors)
    user = User(
        email=email, name=name.strip()[:200], password_hash=await hash_password_off_loop(password), created_at=utcnow()
    )
    await user.save()
    return user


async def get_user(user_id: int) -> User:
    user = await User.objects().where(User.id == user_id).first()
    if user is None:
        raise NotFound()
    return user


async def authenticate(email: str, password: str, ip_address: str = "") -> User:
    """Check credentials, throttled per (address, email), per address and per email (see app.accounts.throttle).

    Raises:
        LoginThrottled: too many recent failures; the password was not even checked.
        ValidationFailed: wrong email or password (one message for both, so emails can't be probed).
    """
    email = (email or "").strip().lower()[:320]
    held = await throttle.claim(email, ip_address[:64])
    user = await User.objects().where(User.email == email).first() if email else None
    # An unknown email costs one argon2 verify too, so response times don't tell which emails are registered.
    password_hash = user.password_hash if user is not None else await dummy_password_hash()
    ok = await verify_password_off_loop(password_hash, password) and user is not None
    await LoginAttempt.insert(LoginAttempt(email=email, ip_address=ip_address[:64], succeeded=ok, created_at=utcnow()))
    if not ok:
        raise ValidationFailed({"password": GENERIC_LOGIN_ERROR}, GENERIC_LOGIN_ERROR)
    await throttle.forgive(held)
    return user


async def _hits_in_window(action: str, ip_address: str) -> int:
    since = utcnow() - LIMIT_WINDOW
    return await RateLimitHit.count().where(
        (RateLimitHit.action == action) & (RateLimitHit.ip_address == ip_address) & (RateLimitHit.created_at >= since)
    )


async def _record_hit(action: str, ip_address: str) -> None:
    now = utcnow()
    # Older hits count towards nothing any more; dropping them keeps no IP address longer than needed.
    await RateLimitHit.delete().where(RateLimitHit.created_at < now - LIMIT_WINDOW)
    await RateLimitHit.insert(RateLimitHit(action=action, ip_address=ip_address[:64], created_at=now))


async def prune_rate_limit_hits() -> int:
    """Delete hits older than the limits' window, which count towards nothing (and keep IP addresses no longer).

    Returns:
        How many rows it deleted.
    """
    gone = (
        await RateLimitHit.delete().where(RateLimitHit.created_at < utcnow() - LIMIT_WINDOW).returning(RateLimitHit.id)
    )
    return len(gone)


async def sign_up(email: str, password: str, name: str, ip_address: str, invited_email: str | None = None) -> User:
    """Create a login from the sign-up form, at most SIGNUPS_PER_IP_PER_HOUR per IP address.

    Args:
        invited_email: when signing up from an invitation, the only email the account may use.

    Raises:
        RateLimited: too many sign-ups from this IP address in the last hour.
        ValidationFailed: as `create_user`, or an email other than the invited one.
    """
    if await _hits_in_window(SIGNUP, ip_address) >= get_settings().signups_per_ip_per_hour:
        raise RateLimited("Too many accounts were created from your network in the last hour. Try again later.")
    if invited_email is not None:
        try:
            chosen = normalise_email(email)
        except InvalidValue as exc:
            raise ValidationFailed({"email": str(exc)}) from exc
        if chosen != invited_email:
            raise ValidationFailed(
                {"email": f"This invitation was sent to {invited_email}: sign up with that address."}
            )
    user = await create_user(email, password, name)
    await _record_hit(SIGNUP, ip_address)
    return user


async def request_password_reset(email: str, ip_address: str, link_for: Callable[[str], str]) -> OutboxMessage | None:
    """Email a reset link when the address has an account; silent otherwise (no account probing).

    Two per-hour limits apply. Requests per IP address count whether or not the account exists, so refusing
    them openly reveals nothing. Emails per address only exist for real accounts, so that limit stays silent:
    the caller answers exactly as for an unknown address.

    Args:
        email: the address typed on the form.
        ip_address: where the request came from (the per-IP limit).
        link_for: builds the absolute reset link from a token (the web layer knows the route).

    Returns:
        The outbox row to deliver, or None when nothing is to be sent (unknown address, or its limit reached).

    Raises:
        RateLimited: RESET_REQUESTS_PER_IP_PER_HOUR reached for this IP address.
    """
    settings = get_settings()
    if await _hits_in_window(RESET_REQUEST, ip_address) >= settings.reset_requests_per_ip_per_hour:
        raise RateLimited("Too many password reset requests from your network. Try again in an hour.")
    await _record_hit(RESET_REQUEST, ip_address)
    try:
        email = normalise_email(email)
    except InvalidValue:
        return None
    user = await User.objects().where(User.email == email).first()
    if user is None:
        return None
    sent = await OutboxMessage.count().where(
        (OutboxMessage.kind == RESET_EMAIL)
        & (OutboxMessage.to_address == user.email)
        & (OutboxMessage.created_at >= utcnow() - LIMIT_WINDOW)
    )
    if sent >= settings.reset_emails_per_address_per_hour:
        return None
    token, token_hash = new_token()
    now = utcnow()
    await PasswordResetToken.insert(
        PasswordResetToken(user=user.id, token_hash=token_hash, created_at=now, expires_at=now + RESET_TOKEN_LIFETIME)
    )
    link = link_for(token)
    return await record_email(compose(RESET_EMAIL, user.email, link=link, lifetime=RESET_TOKEN_LIFETIME))


async def _valid_reset_token(token: str) -> PasswordResetToken:
    row = await PasswordResetToken.objects().where(PasswordResetToken.token_hash == hash_token(token)).first()
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        raise NotFound("This reset link has expired or was already used. Ask for a new one.")
    return row


async def check_reset_token(token: str) -> None:
    await _valid_reset_token(token)


async def reset_password(token: str, password: str) -> User:
    """Set a new password from an emailed token and sign out every other session.

    Raises:
        NotFound: the token is unknown, used or expired.
        ValidationFailed: the password is too weak.
    """
    row = await _valid_reset_token(token)
    errors: dict[str, str] = {}
    check_password_strength(password, errors)
    if errors:
        raise ValidationFailed(errors)
    # Claim the token with a conditional update, so two concurrent submissions can't both use it.
    claimed = (
        await PasswordResetToken.update(
            {PasswordResetToken.used_at: utcnow()},
        )
        .where((PasswordResetToken.id == row.id) & PasswordResetToken.used_at.is_null())
        .returning(PasswordResetToken.id)
    )
    if not claimed:
        raise Conflict("This reset link was already used. Ask for a new one.")
    user = await get_user(row.user)
    await User.update(
        {User.password_hash: await hash_password_off_loop(password), User.session_epoch: User.session_epoch + 1}
    ).where(User.id == user.id)
    await end_every_session(user.id)
    await throttle.forget_account(user.email)
    return await get_user(user.id)
