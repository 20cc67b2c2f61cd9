"""Email delivery tasks."""

from piccolo.utils.sync import run_sync

from app.core import mail
from tasks.queue import huey


@huey.task(retries=5, retry_delay=30)
def deliver_email(outbox_id: int) -> bool:
    """Deliver one stored email; safe to run twice (a sent email is not sent again).

    Args:
        outbox_id: the OutboxMessage id returned by `mail.record_email`.
    """
    return run_sync(mail.deliver(outbox_id))
