"""Normalisers for emails and domains, shared by accounts, invitations and clients."""

from __future__ import annotations

import re

import idna
from email_validator import EmailNotValidError, validate_email

from app.core.errors import NotFound
from app.settings import get_settings

_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# PostgreSQL cannot store NUL, and nobody types the other C0 controls on purpose (pasted escape codes, binary).
# Tab, line feed and carriage return are ordinary text: a textarea posts its line breaks as CRLF.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CONTROL_CHARACTER_MESSAGE = (
    "The text contains a control character (an invisible character such as NUL), "
    "which ClientPulse can't store. Remove it and try again."
)
EMAIL_MAX = 254  # RFC 5321's limit on a whole address
DOMAIN_MAX = 253  # RFC 1035's limit on a whole name
# A pasted web address may carry a long path; anything longer than this is not a domain someone meant.
_DOMAIN_INPUT_MAX = 2_000


class InvalidValue(ValueError):
    """A human-readable reason the value was rejected."""


def has_control_characters(text: str) -> bool:
    """Whether `text` holds a C0 control character other than tab, line feed or carriage return."""
    return bool(_CONTROL_CHARACTERS.search(text))


def strip_control_characters(text: str) -> str:
    """`text` without the characters has_control_characters() finds (to show a rejected value safely)."""
    return _CONTROL_CHARACTERS.sub("", text)


def normalise_email(raw: str) -> str:
    """Lower-case and validate an email address (no DNS look-ups: the network is not ours to rely on).

    Raises:
        InvalidValue: with a message fit to show next to the field.
    """
    candidate = (raw or "").strip()
    if not candidate:
        raise InvalidValue("Enter an email address.")
    # Checked before anything echoes the value back: neither a long nor an invisible value belongs in a message.
    if len(candidate) > EMAIL_MAX:
        raise InvalidValue(f"An email address can't be longer than {EMAIL_MAX} characters.")
    if has_control_characters(candidate):
        raise InvalidValue(CONTROL_CHARACTER_MESSAGE)
    # Outside production, RFC 2606's reserved `.test` domain is allowed, for the demo and the tests.
    try:
        result = validate_email(candidate, check_deliverability=False, test_environment=not get_settings().production)
    except EmailNotValidError as exc:
        raise InvalidValue(f"{candidate!r} is not a valid email address.") from exc
    local, _, domain = result.normalized.rpartition("@")
    return f"{local.lower()}@{_ascii_domain(domain)}"


def normalise_domain(raw: str) -> str:
    """Turn 'https://WWW.Bücher.example/path' into 'xn--bcher-kva.example'.

    Raises:
        InvalidValue: when what is left is not a domain name.
    """
    candidate = (raw or "").strip().lower()
    if not candidate:
        raise InvalidValue("Enter a domain.")
    if len(candidate) > _DOMAIN_INPUT_MAX:
        raise InvalidValue(f"Enter a domain such as acme.com; a domain can't be longer than {DOMAIN_MAX} characters.")
    if has_control_characters(candidate):
        raise InvalidValue(CONTROL_CHARACTER_MESSAGE)
    candidate = re.sub(r"^[a-z][a-z0-9+.-]*://", "", candidate)
    candidate = candidate.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    candidate = candidate.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    if candidate.startswith("www."):
        candidate = candidate[4:]
    if len(candidate) > DOMAIN_MAX:
        raise InvalidValue(f"A domain can't be longer than {DOMAIN_MAX} characters.")
    try:
        ascii_domain = _ascii_domain(candidate)
    except InvalidValue:
        raise InvalidValue(f"{raw.strip()!r} is not a valid domain.") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise InvalidValue(f"{raw.strip()!r} is not a valid domain.")
    return ascii_domain


def _ascii_domain(domain: str) -> str:
    try:
        return idna.encode(domain.lower(), uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise InvalidValue(f"{domain!r} is not a valid domain.") from exc


def display_domain(ascii_domain: str) -> str:
    """The Unicode form of an IDN domain, for showing to people."""
    try:
        return idna.decode(ascii_domain)
    except idna.IDNAError:
        return ascii_domain


# Ids are Piccolo `Serial` columns: a 4-byte SERIAL on PostgreSQL (SQLite's INTEGER is wider). A larger number
# makes asyncpg refuse the query ("out of int32 range", a 500) instead of the query finding nothing.
MAX_ID = 2**31 - 1


def require_id(value: int) -> int:
    """`value` if a database row could have it as id.

    Raises:
        NotFound: outside 1..MAX_ID, which is what looking it up would have found.
    """
    if not 1 <= value <= MAX_ID:
        raise NotFound()
    return value
