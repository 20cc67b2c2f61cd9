"""The signed, expiring link a client follows to confirm a recharge their bank wants authenticated (no log-in).

The token names one recharge (and so one client) and the moment it stops working, with an HMAC keyed from
SECRET_KEY under a purpose of its own, so a token minted for anything else is worth nothing here. Nothing secret is
in it: all it lets the holder do is authenticate a payment of their own card that Stripe already asked them for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.settings import get_settings

# How long the emailed link works; the sweeper cancels a recharge nobody confirmed by then.
CONFIRM_LINK_LIFETIME = timedelta(days=3)
# The routes' paths, spelled once: the controller mounts them and the emails link to the first.
CONFIRM_PATH = "/pay/recharge/{token:str}"
RETURN_PATH = "/pay/recharge/{token:str}/return"


class BadLink(DomainError):
    """The link was altered, cut short or has expired: it names no payment, and nothing may change."""


def _mac(payload: str) -> str:
    key = hashlib.sha256(b"clientpulse-recharge-confirm:" + get_settings().secret_key.encode()).digest()
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make_token(recharge_id: int, client_id: int, expires: datetime | None = None) -> str:
    expires = expires or utcnow() + CONFIRM_LINK_LIFETIME
    payload = f"{recharge_id}-{client_id}-{int(expires.timestamp())}"
    return f"{payload}.{_mac(payload)}"


def read_token(token: str) -> tuple[int, int]:
    """(recharge id, client id) of a live token this app signed.

    Raises:
        BadLink: not a token we signed, or past its expiry.
    """
    payload, _, mac = token.partition(".")
    parts = payload.split("-")
    if not mac or len(parts) != 3 or not all(p.isdigit() for p in parts) or not hmac.compare_digest(mac, _mac(payload)):
        raise BadLink(
            "This payment link is not valid: it may have been cut short or changed. Use the link in the email."
        )
    if int(parts[2]) < utcnow().timestamp():
        raise BadLink("This payment link has expired. Nothing was charged through it.")
    return int(parts[0]), int(parts[1])


def confirm_url(token: str) -> str:
    """The absolute link for the email (BASE_URL, never a request's Host)."""
    return get_settings().base_url.rstrip("/") + CONFIRM_PATH.replace("{token:str}", token)


def return_url(token: str) -> str:
    """Where Stripe sends the client back after authenticating."""
    return get_settings().base_url.rstrip("/") + RETURN_PATH.replace("{token:str}", token)
