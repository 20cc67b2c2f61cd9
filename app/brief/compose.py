"""What one person's Monday Brief for one workspace says, rendered through the mail seam.

The seam between the brief's content and its delivery: delivery (who, when, exactly once) calls `compose_brief`
and sends what it returns; the content (overdue alerts, MRR, churn, upsell, sync health) lives behind it.
"""

from __future__ import annotations

from datetime import datetime

from app.accounts.tables import User
from app.core.mail import Email, compose
from app.workspaces.tables import Workspace


def iso_week(now: datetime) -> tuple[int, int]:
    """(ISO year, ISO week) of a moment already in the workspace's time zone."""
    year, week, _ = now.isocalendar()
    return year, week


async def compose_brief(workspace_id: int, user_id: int, now: datetime, *, unsubscribe_url: str) -> Email | None:
    """This week's brief for one member of one workspace, or None when there is nothing to send them.

    Args:
        workspace_id: the workspace the brief reports on (its name heads the brief).
        user_id: the member it goes to.
        now: the moment it is composed for, in the workspace's time zone (the week is read from it).
        unsubscribe_url: the signed one-click link that turns this brief off for this person and workspace.
    """
    workspace = await Workspace.objects().where(Workspace.id == workspace_id).first()
    user = await User.objects().where(User.id == user_id).first()
    if workspace is None or user is None:
        return None
    _, week = iso_week(now)
    return compose(
        "brief",
        user.email,
        workspace_id=workspace_id,
        workspace=workspace.name,
        week=week,
        unsubscribe_url=unsubscribe_url,
    )
