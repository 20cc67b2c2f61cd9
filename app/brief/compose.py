"""What one person's Monday Brief for one workspace says, rendered through the mail seam.

The seam between the brief's content and its delivery: delivery (who, when, exactly once) renders each claimed
brief from its sweep's `Contents` and sends it, and the preview calls `compose_brief`; the content (overdue alerts,
MRR, churn, upsell, sync health) is gathered by app.brief.content and rendered here from app/core/emails/brief.txt
and brief.html.

Gathering is most of the cost (about 10 ms for a small workspace on SQLite, rendering under 1 ms), and it is the same
for every member of a workspace: the sweep gathers it once per workspace (`workspace_content`) and renders it per
member (`personal_brief`, which keeps the rule that without Stripe only owners get a brief).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import css_inline

from app.brief.content import WEEK, BriefContent, brief_content
from app.core.connections import together
from app.core.formatting import money
from app.core.mail import Email, compose, percent
from app.revenue.dashboard import CHANGE_WINDOW
from app.settings import get_settings
from app.workspaces.tables import Membership, Role, Workspace


def iso_week(now: datetime) -> tuple[int, int]:
    """(ISO year, ISO week) of a moment already in the workspace's time zone."""
    year, week, _ = now.isocalendar()
    return year, week


def headline(content: BriefContent) -> str:
    """What the subject says after the week: "3 overdue, MRR $48,210 (+2.1%)" (the change over the week)."""
    if not content.connected:
        return f"connect Stripe to start your Monday Brief for {content.workspace_name}"
    change = content.week_change.percent if content.week_change else None
    mrr = money(content.mrr, content.currency, whole=True)
    return f"{len(content.overdue)} overdue, MRR {mrr}" + (f" ({percent(change)})" if change is not None else "")


def render(content: BriefContent, to: str, workspace_id: int, unsubscribe_url: str) -> Email:
    """Both parts of the brief; the HTML's stylesheet is moved into style attributes, which mail clients keep."""
    email = compose(
        "brief",
        to,
        workspace_id=workspace_id,
        brief=content,
        headline=headline(content),
        week=WEEK,
        month=CHANGE_WINDOW,
        unsubscribe_url=unsubscribe_url,
        support_email=get_settings().support_email,
    )
    return replace(email, html=css_inline.inline(email.html))


async def workspace_content(workspace_id: int, now: datetime) -> BriefContent | None:
    """What the workspace's brief says this week, the same for every member; None when there is no such workspace."""
    workspace = await Workspace.objects().where(Workspace.id == workspace_id).first()
    return None if workspace is None else await brief_content(workspace, now)


class Contents:
    """Each workspace's brief content, gathered once per sweep and rendered for each of its members.

    What a brief says is the workspace's (its overdue clients, MRR, flags, sync health), the same for everyone in
    it; only the greeting's address and the unsubscribe link are the person's. Keyed by ISO week too, though one
    sweep's moment has one week per workspace.
    """

    def __init__(self) -> None:
        self._known: dict[tuple[int, int, int], BriefContent | None] = {}

    async def get(self, workspace_id: int, local_now: datetime) -> BriefContent | None:
        key = (workspace_id, *iso_week(local_now))
        if key not in self._known:
            # One read transaction: the gathering's twenty-odd queries share one connection (Piccolo opens one per
            # query otherwise, a thread each on SQLite) and see one snapshot of the data.
            async with together():
                self._known[key] = await workspace_content(workspace_id, local_now)
        return self._known[key]


def personal_brief(
    content: BriefContent, role: str, email: str, workspace_id: int, unsubscribe_url: str
) -> Email | None:
    """The workspace's brief rendered for one member, or None: without Stripe, only owners get one."""
    if not content.connected and role != Role.owner.value:
        return None
    return render(content, email, workspace_id, unsubscribe_url)


async def member(workspace_id: int, user_id: int) -> dict | None:
    """The member's role and email in the workspace, or None for someone who is not a member."""
    return (
        await Membership.select(Membership.role, Membership.user.email.as_alias("email"))
        .where((Membership.workspace == workspace_id) & (Membership.user == user_id))
        .first()
    )


async def compose_brief(workspace_id: int, user_id: int, now: datetime, *, unsubscribe_url: str) -> Email | None:
    """This week's brief for one member of one workspace, or None when there is nothing to send them.

    Without a Stripe connection only owners get one (it invites them to connect); teammates get None, as does
    anyone who is not a member of the workspace.

    Args:
        workspace_id: the workspace the brief reports on (its name heads the brief).
        user_id: the member it goes to.
        now: the moment it is composed for (the week is read from it in the workspace's time zone).
        unsubscribe_url: the signed one-click link that turns this brief off for this person and workspace.
    """
    person = await member(workspace_id, user_id)
    content = await workspace_content(workspace_id, now) if person is not None else None
    if content is None or person is None:
        return None
    return personal_brief(content, person["role"], person["email"], workspace_id, unsubscribe_url)
