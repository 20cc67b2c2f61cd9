"""With SMTP_URL set, emails leave through a real SMTP server (aiosmtpd on loopback)."""

from app.core import mail
from app.core.tables import OutboxMessage


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
