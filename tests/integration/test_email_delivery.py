"""With SMTP_URL set, emails leave through a real SMTP server (aiosmtpd on loopback)."""

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from app.core import mail
from app.core.tables import OutboxMessage
from app.settings import get_settings


class _Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(name="smtp")
def fx_smtp(monkeypatch):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
    get_settings.cache_clear()
    yield inbox
    controller.stop()
    monkeypatch.delenv("SMTP_URL")
    get_settings.cache_clear()


async def test_a_recorded_email_is_delivered_once_over_smtp(smtp):
    row = await mail.record_email(mail.Email("ops@acme-rockets.com", "Hello <b>", "plain text", "<p>html</p>", "test"))
    assert await mail.deliver(row.id) is True
    assert await mail.deliver(row.id) is False, "a second run of the task must not send again"
    assert len(smtp.messages) == 1
    received = smtp.messages[0]
    assert received["To"] == "ops@acme-rockets.com" and received["Subject"] == "Hello <b>"
    stored = await OutboxMessage.objects().where(OutboxMessage.id == row.id).first()
    assert stored.sent_at is not None


async def test_without_smtp_the_email_stays_in_the_outbox():
    row = await mail.record_email(mail.Email("x@example.com", "Hi", "t", "<p>h</p>", "test"))
    assert await mail.deliver(row.id) is False
    stored = await OutboxMessage.objects().where(OutboxMessage.id == row.id).first()
    assert stored.sent_at is None
