"""The one mail seam: every email is composed from its templates, recorded in the outbox, then sent over SMTP.

Emails carry single-use links (password resets, invitations). Outside production the outbox keeps them readable
for /dev/outbox; in production it keeps them only encrypted (`sealed_body`) and only until SMTP accepts them, so a
database dump never holds a usable link, and a delivery retry still has the bodies to send.
"""

from __future__ import annotations

import asyncio
import json
import logging
import smtplib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlparse
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.core.formatting import money
from app.core.security import decrypt_secret, encrypt_secret
from app.core.tables import OutboxMessage
from app.core.timeutil import DATE_FORMAT, utcnow
from app.settings import get_settings

log = logging.getLogger(__name__)

EMAIL_TEMPLATES = Path(__file__).parent / "emails"


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str
    kind: str
    workspace_id: int | None = None
    # Extra (name, value) headers, e.g. the brief's List-Unsubscribe. The outbox does not keep them: whoever sends
    # the email passes them to `deliver` again, computed from what it knows (the brief: workspace and person).
    headers: tuple[tuple[str, str], ...] = ()


def duration(value: timedelta) -> str:
    """Say a lifetime in its largest whole unit: 2 hours, 7 days, 90 minutes."""
    seconds = int(value.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


def day(value: date | datetime | None) -> str:
    return "—" if value is None else value.strftime(DATE_FORMAT)


def local_time(value: datetime | None, tz_name: str) -> str:
    """A moment as the workspace reads it: "23 Nov 2026, 08:00"."""
    return "—" if value is None else value.astimezone(ZoneInfo(tz_name)).strftime(f"{DATE_FORMAT}, %H:%M")


def percent(value: Decimal) -> str:
    """A signed change in percent: "+2.1%", "-0.4%"."""
    return f"{value:+.1f}%"


def _one_line(value: object) -> object:
    # Names are typed by users: a line break in one must not add lines to the text body, nor reach the Subject
    # header (SMTP would refuse the message).
    return " ".join(value.split()) if isinstance(value, str) else value


@cache
def _environment(html: bool) -> Environment:
    """Emails' own Jinja environment: no web-layer filters, and a missing variable fails instead of printing ''."""
    env = Environment(
        loader=FileSystemLoader(EMAIL_TEMPLATES),
        autoescape=html,  # workspace and inviter names are hostile in HTML, and must stay verbatim in text
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=None if html else _one_line,
    )
    env.filters.update(duration=duration, money=money, percent=percent, day=day, local_time=local_time)
    return env


def _render_block(template_name: str, block: str, context: dict[str, object]) -> str:
    template = _environment(html=False).get_template(template_name)
    return "".join(template.blocks[block](template.new_context(context))).strip()


def compose(kind: str, to: str, *, workspace_id: int | None = None, **context: object) -> Email:
    """Render the email `kind` from its two templates in app/core/emails/.

    One email is one pair of files named after its kind, so its subject, text and HTML change together:
    `<kind>.txt` holds `{% block subject %}` and `{% block body %}`, and `<kind>.html` extends `_layout.html`
    (inline styles only, mail clients drop stylesheets; `button(href, label)` draws a link button). To add an
    email, add that pair, then `row = await record_email(compose("<kind>", to, **context))` in the service and
    enqueue `tasks.emails.deliver_email(row.id)` once the caller's transaction has committed. Pass numbers as the
    constants or settings they come from (`lifetime=RESET_TOKEN_LIFETIME | duration` says "2 hours"), never
    restated in the template: `lifetime=RESET_TOKEN_LIFETIME` prints as "2 hours" through `{{ lifetime|duration }}`.
    Values print on one line in the text part; loop over lists in the template.

    Args:
        kind: the templates' name, stored as the outbox row's kind (e.g. "password_reset").
        to: the recipient's address.
        workspace_id: the workspace the email is about, if any.
        **context: the templates' variables.

    Returns:
        The email, ready for `record_email`.
    """
    html = _environment(html=True).get_template(f"{kind}.html").render(context)
    text = _render_block(f"{kind}.txt", "body", context) + "\n"
    subject = _render_block(f"{kind}.txt", "subject", context)
    return Email(to=to, subject=subject, text=text, html=html, kind=kind, workspace_id=workspace_id)


def _smtp_send(message: EmailMessage, smtp_url: str) -> None:
    parsed = urlparse(smtp_url)
    port = parsed.port or (465 if parsed.scheme == "smtps" else 25)
    smtp_class = smtplib.SMTP_SSL if parsed.scheme == "smtps" else smtplib.SMTP
    with smtp_class(parsed.hostname, port, timeout=30) as smtp:
        if parsed.username:
            smtp.login(unquote(parsed.username), unquote(parsed.password or ""))
        smtp.send_message(message)


# A header such as List-Unsubscribe holds one long URL with no space to fold at: under the default 78-character
# limit the email package would encode it as =?utf-8?q?...?= words, which mail clients do not read as a link.
# 998 is RFC 5322's hard limit.
_LONG_HEADERS = email_policy.default.clone(max_line_length=998)


def sender_named(name: str) -> tuple[str, str]:
    """A From header with MAIL_FROM's address under another display name: an agency's white-label emails to its
    clients go out under the agency's name (the address stays ours, so SPF and DKIM still hold)."""
    return ("From", formataddr((" ".join(name.split()), parseaddr(get_settings().mail_from)[1])))


def build_message(email: Email) -> EmailMessage:
    message = EmailMessage(policy=_LONG_HEADERS) if email.headers else EmailMessage()
    if not any(name.lower() == "from" for name, _ in email.headers):
        message["From"] = get_settings().mail_from
    message["To"] = email.to
    message["Subject"] = email.subject
    for name, value in email.headers:
        message[name] = value
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


async def record_email(email: Email) -> OutboxMessage:
    """Store the email in the outbox; delivery happens in a task once the caller's work has committed.

    Returns:
        The stored outbox row, whose id the caller hands to `tasks.emails.deliver_email`.
    """
    row = OutboxMessage(
        to_address=email.to,
        subject=email.subject,
        kind=email.kind,
        workspace_id=email.workspace_id,
        created_at=utcnow(),
    )
    if get_settings().production:
        row.sealed_body = encrypt_secret(json.dumps({"text": email.text, "html": email.html}))
    else:
        row.text_body, row.html_body = email.text, email.html
    await row.save()
    return row


def _bodies(row: OutboxMessage) -> tuple[str, str]:
    """The (text, html) bodies of a stored email, unsealing them in production."""
    if row.sealed_body:
        bodies = json.loads(decrypt_secret(row.sealed_body))
        return bodies["text"], bodies["html"]
    return row.text_body, row.html_body


async def deliver(outbox_id: int, headers: tuple[tuple[str, str], ...] = ()) -> bool:
    """Send a stored email over SMTP when SMTP_URL is set; idempotent.

    Args:
        outbox_id: the stored email.
        headers: extra headers to send it with (Email.headers).

    Returns:
        True when SMTP accepted it in this call; False when there is no SMTP, or it was already sent.
    """
    smtp_url = get_settings().smtp_url
    row = await OutboxMessage.objects().where(OutboxMessage.id == outbox_id).first()
    if row is None or row.sent_at is not None or not smtp_url:
        return False
    text, html = _bodies(row)
    email = Email(row.to_address, row.subject, text, html, row.kind, row.workspace_id, headers)
    # In a thread: an SMTP conversation takes milliseconds to seconds, and other tasks (other emails) go on meanwhile.
    await asyncio.to_thread(_smtp_send, build_message(email), smtp_url)
    # Once SMTP has it, the sealed copy has no further use: drop it rather than keep links at rest.
    await OutboxMessage.update({OutboxMessage.sent_at: utcnow(), OutboxMessage.sealed_body: ""}).where(
        OutboxMessage.id == outbox_id
    )
    log.info("email sent kind=%s outbox_id=%s", row.kind, outbox_id)
    return True


# Every link an email carries (reset: hours, invitation: days) is dead by then; a body SMTP never took is no use.
SEALED_BODY_LIFETIME = timedelta(days=7)


async def drop_stale_sealed_bodies() -> int:
    """Blank the encrypted bodies of emails SMTP never accepted within SEALED_BODY_LIFETIME.

    Returns:
        How many emails lost their body (they stay listed, with recipient, subject and kind).
    """
    stale = (
        await OutboxMessage.update({OutboxMessage.sealed_body: ""})
        .where(
            (OutboxMessage.sealed_body != "")
            & OutboxMessage.sent_at.is_null()
            & (OutboxMessage.created_at < utcnow() - SEALED_BODY_LIFETIME)
        )
        .returning(OutboxMessage.id)
    )
    return len(stale)
