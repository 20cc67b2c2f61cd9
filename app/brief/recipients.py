"""Who receives a workspace's Monday Brief: every member who has not opted out of it.

The brief is opt-out, per person and workspace. Both the signed unsubscribe link (no log-in) and the switch on
the preview page go through `set_opt_in`, which is idempotent: a second click, or a mail client that "clicks"
the List-Unsubscribe-Post link before the person does, changes nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.brief.tables import BriefOptOut
from app.core.timeutil import utcnow
from app.workspaces.tables import Membership, Role


@dataclass(frozen=True)
class Recipient:
    user_id: int
    email: str
    name: str
    role: str
    opted_in: bool

    @property
    def is_owner(self) -> bool:
        return self.role == Role.owner.value


async def _opted_out(workspace_id: int) -> set[int]:
    rows = await BriefOptOut.select(BriefOptOut.user).where(BriefOptOut.workspace == workspace_id)
    return {row["user"] for row in rows}


async def members(workspace_id: int) -> list[Recipient]:
    """Every member of the workspace with whether they receive its brief, owners first, then by email."""
    rows = await Membership.select(
        Membership.user.id.as_alias("user_id"),
        Membership.user.email.as_alias("email"),
        Membership.user.name.as_alias("name"),
        Membership.role,
    ).where(Membership.workspace == workspace_id)
    out = await _opted_out(workspace_id)
    people = [
        Recipient(row["user_id"], row["email"], row["name"], row["role"], row["user_id"] not in out) for row in rows
    ]
    return sorted(people, key=lambda person: (not person.is_owner, person.email))


async def recipients(workspace_id: int) -> list[Recipient]:
    """The members who receive the workspace's brief."""
    return [person for person in await members(workspace_id) if person.opted_in]


async def is_opted_in(workspace_id: int, user_id: int) -> bool:
    return not await BriefOptOut.exists().where((BriefOptOut.workspace == workspace_id) & (BriefOptOut.user == user_id))


async def set_opt_in(workspace_id: int, user_id: int, opted_in: bool) -> None:
    """Switch one person's brief for one workspace on or off. Saying the same twice is not an error."""
    mine = (BriefOptOut.workspace == workspace_id) & (BriefOptOut.user == user_id)
    if opted_in:
        await BriefOptOut.delete().where(mine)
        return
    # Insert-if-absent without a race: the unique key rejects a concurrent second insert, which is then a no-op.
    await BriefOptOut.insert(BriefOptOut(workspace=workspace_id, user=user_id, created_at=utcnow())).on_conflict(
        action="DO NOTHING"
    )
