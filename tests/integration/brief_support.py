"""Helpers for the Monday Brief's delivery tests: workspaces in time zones, and what the SMTP server received."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from app.brief.tables import BriefDelivery
from app.brief.unsubscribe import read_token
from app.integrations.tables import StripeConnection
from app.settings import get_settings
from app.workspaces.tables import Workspace
from tests.integration.conftest import SmtpInbox, free_port

# Monday of ISO week 48 of 2026.
MONDAY = (2026, 11, 23)


def local(zone: str, day: int = 0, hour: int = 8, minute: int = 0) -> datetime:
    """A wall-clock moment of week 48 in `zone`: Monday (day 0) 08:00 unless told otherwise."""
    year, month, monday = MONDAY
    return datetime(year, month, monday + day, hour, minute, tzinfo=ZoneInfo(zone))


async def connect(workspace_id: int) -> None:
    """A live Stripe connection, as content reads it: without one only owners get a brief (inviting them to connect)."""
    await StripeConnection.insert(
        StripeConnection(
            workspace=workspace_id,
            stripe_account_id=f"acct_brief{workspace_id}",
            account_name="Brief Stripe",
            livemode=False,
            connected_at=local("UTC") - timedelta(days=400),
        )
    )


async def set_timezone(workspace_id: int, zone: str) -> None:
    await Workspace.update({Workspace.timezone: zone}).where(Workspace.id == workspace_id)


class SwitchableInbox(SmtpInbox):
    """A loopback SMTP server that can be told to refuse mail for a while, as a busy server does (451)."""

    def __init__(self):
        super().__init__()
        self.refusing = False
        self.up = True

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd calls it by this name
        if self.refusing:
            return "451 4.3.0 Mailbox busy, try again later"
        return await super().handle_DATA(server, session, envelope)

    def go_down(self) -> None:
        self.controller.stop()
        self.up = False

    def come_back(self) -> None:
        """Listen again on the same port (a stopped aiosmtpd Controller cannot start again: a new one does)."""
        self.controller = Controller(self, hostname="127.0.0.1", port=self.controller.port)
        self.controller.start()
        self.up = True

    def briefs(self) -> list[tuple[int, int]]:
        """(workspace id, user id) of every brief received, read from its signed List-Unsubscribe link."""
        return [read_token(unsubscribe_path(message).rsplit("/", 1)[1]) for message in self.messages]


def unsubscribe_path(message) -> str:
    return urlparse(message["List-Unsubscribe"].strip("<>")).path


@pytest.fixture(name="mailserver")
def fx_mailserver(monkeypatch):
    """A real SMTP server on loopback (aiosmtpd) with SMTP_URL pointing at it; `.controller` stops and starts it."""
    inbox = SwitchableInbox()
    inbox.controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    inbox.controller.start()
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{inbox.controller.port}")
    get_settings.cache_clear()
    yield inbox
    if inbox.up:
        inbox.controller.stop()
    monkeypatch.undo()
    get_settings.cache_clear()


async def deliveries() -> dict[tuple[int, int], dict]:
    """Every BriefDelivery row by (workspace id, user id)."""
    rows = await BriefDelivery.select().order_by(BriefDelivery.id)
    return {(row["workspace"], row["user"]): row for row in rows}
