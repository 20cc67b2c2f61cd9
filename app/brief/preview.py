"""The preview page's services: this week's brief as one member would receive it, and sending it to them now."""

from __future__ import annotations

from dataclasses import dataclass

from app.brief.compose import compose_brief
from app.core.mail import Email, record_email
from app.core.tables import OutboxMessage
from app.core.timeutil import utcnow


@dataclass(frozen=True)
class SubscriptionForm:
    opted_in: str = ""  # "1" turns the brief on, anything else off

    @property
    def wanted(self) -> bool:
        return self.opted_in == "1"


async def preview(workspace_id: int, user_id: int, unsubscribe_url: str) -> Email | None:
    """This week's brief for the member, composed now; None when they would receive none (see compose_brief)."""
    return await compose_brief(workspace_id, user_id, utcnow(), unsubscribe_url=unsubscribe_url)


async def send_now(workspace_id: int, user_id: int, unsubscribe_url: str) -> OutboxMessage | None:
    """Put this week's brief for the member in the outbox; the caller enqueues its delivery after commit.

    This is a copy on demand: it is not the week's scheduled brief, and does not stand in for it.
    """
    email = await preview(workspace_id, user_id, unsubscribe_url)
    return None if email is None else await record_email(email)
