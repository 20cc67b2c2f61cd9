"""Workspaces, memberships, roles, invitations, and moving a workspace between plans (defined in plans.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from app.accounts.tables import User
from app.core.errors import Conflict, NotFound, PermissionDenied, RateLimited, ValidationFailed
from app.core.mail import compose, record_email
from app.core.security import hash_token, new_token
from app.core.tables import OutboxMessage
from app.core.timeutil import is_valid_timezone, utcnow
from app.core.validation import InvalidValue, normalise_email
from app.settings import get_settings
from app.workspaces import plans
from app.workspaces.plans import PLAN_IDS, STARTING_PLAN, Plan
from app.workspaces.tables import Invitation, Membership, Role, Workspace

INVITATION_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class Actor:
    """Who is acting, and in which workspace: every workspace-scoped service takes one."""

    user: User
    workspace: Workspace
    role: str
    # The user's other workspaces, for the switcher in the page header.
    workspaces: tuple[dict, ...] = ()

    @property
    def workspace_id(self) -> int:
        return self.workspace.id

    @property
    def plan(self) -> plans.PlanTerms:
        """The terms of the workspace's plan (label, limits, features)."""
        return plans.plan_for(self.workspace)

    @property
    def is_owner(self) -> bool:
        return self.role == Role.owner.value

    def require_owner(self, action: str) -> None:
        """Raises PermissionDenied unless the actor is an owner of the workspace."""
        if not self.is_owner:
            raise PermissionDenied(f"Only a workspace owner can {action}. Ask an owner of {self.workspace.name}.")


def _clean_name(name: str, field: str = "name") -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ValidationFailed({field: "Enter a name."})
    if len(cleaned) > 200:
        raise ValidationFailed({field: "Keep the name under 200 characters."})
    return cleaned


async def create_workspace(user: User, name: str, timezone: str = "UTC") -> Workspace:
    """Create a workspace on the starting (Free) plan with `user` as its owner."""
    name = _clean_name(name)
    if not is_valid_timezone(timezone):
        raise ValidationFailed({"timezone": "Pick a time zone from the list."})
    now = utcnow()
    workspace = Workspace(name=name, plan=STARTING_PLAN.value, timezone=timezone, created_at=now)
    await workspace.save()
    await Membership.insert(Membership(workspace=workspace.id, user=user.id, role=Role.owner.value, created_at=now))
    return workspace


async def actor_for(user: User, workspace_id: int | None) -> Actor | None:
    """The Actor for `user` in `workspace_id`, falling back to the first workspace they joined.

    Every signed-in page asks this, so it is one query: the user's memberships with their workspaces, from which
    come the current one and the header's switcher (dicts with id, name, plan and role, by name).
    """
    rows = await Membership.objects(Membership.workspace).where(Membership.user == user.id).order_by(Membership.id)
    if not rows:
        return None
    membership = next((row for row in rows if row.workspace.id == workspace_id), rows[0])
    others = sorted(
        ({"id": r.workspace.id, "name": r.workspace.name, "plan": r.workspace.plan, "role": r.role} for r in rows),
        key=lambda r: r["name"].lower(),
    )
    return Actor(user=user, workspace=membership.workspace, role=membership.role, workspaces=tuple(others))


async def switch_workspace(user: User, workspace_id: int) -> Actor:
    """Raises NotFound when the user is not a member, so foreign ids look like missing ones."""
    membership = (
        await Membership.objects(Membership.workspace)
        .where((Membership.user == user.id) & (Membership.workspace == workspace_id))
        .first()
    )
    if membership is None:
        raise NotFound()
    await User.update({User.last_workspace_id: workspace_id}).where(User.id == user.id)
    return Actor(user=user, workspace=membership.workspace, role=membership.role)


async def update_workspace(actor: Actor, name: str, timezone: str) -> Workspace:
    actor.require_owner("change workspace settings")
    name = _clean_name(name)
    if not is_valid_timezone(timezone):
        raise ValidationFailed({"timezone": "Pick a time zone from the list."})
    await Workspace.update({Workspace.name: name, Workspace.timezone: timezone}).where(
        Workspace.id == actor.workspace_id
    )
    return await Workspace.objects().where(Workspace.id == actor.workspace_id).first()


async def set_plan(workspace_id: int, plan: str) -> Workspace:
    """Operator and billing path: change a workspace's plan.

    Raises:
        ValidationFailed: unknown plan name.
        NotFound: unknown workspace.
    """
    if plan not in PLAN_IDS:
        raise ValidationFailed({"plan": f"Unknown plan {plan!r}; use one of {', '.join(PLAN_IDS)}."})
    updated = (
        await Workspace.update({Workspace.plan: Plan(plan).value})
        .where(Workspace.id == workspace_id)
        .returning(Workspace.id)
    )
    if not updated:
        raise NotFound("No such workspace.")
    return await Workspace.objects().where(Workspace.id == workspace_id).first()


async def list_members(actor: Actor) -> list[dict]:
    rows = (
        await Membership.select(
            Membership.id,
            Membership.role,
            Membership.user.id.as_alias("user_id"),
            Membership.user.email.as_alias("email"),
            Membership.user.name.as_alias("name"),
        )
        .where(Membership.workspace == actor.workspace_id)
        .order_by(Membership.id)
    )
    return rows


async def pending_invitations(actor: Actor) -> list[Invitation]:
    return (
        await Invitation.objects()
        .where(
            (Invitation.workspace == actor.workspace_id)
            & Invitation.accepted_at.is_null()
            & Invitation.revoked_at.is_null()
            & (Invitation.expires_at > utcnow())
        )
        .order_by(Invitation.id)
    )


async def invite(actor: Actor, email: str, link_for: Callable[[str], str]) -> OutboxMessage:
    """Email a single-use join link to `email`, at most INVITATIONS_PER_WORKSPACE_PER_HOUR per workspace.

    Args:
        actor: the owner inviting.
        email: who to invite.
        link_for: builds the absolute join link from a token (the web layer knows the route).

    Raises:
        PermissionDenied: the actor is not an owner.
        ValidationFailed: bad email, or already a member.
        RateLimited: the workspace already sent its invitations for this hour.
    """
    actor.require_owner("invite teammates")
    limit = get_settings().invitations_per_workspace_per_hour
    recent = await Invitation.count().where(
        (Invitation.workspace == actor.workspace_id) & (Invitation.created_at >= utcnow() - timedelta(hours=1))
    )
    if recent >= limit:
        raise RateLimited(f"This workspace sent {limit} invitations in the last hour. Try again later.")
    try:
        email = normalise_email(email)
    except InvalidValue as exc:
        raise ValidationFailed({"email": str(exc)}) from exc
    already = await Membership.exists().where(
        (Membership.workspace == actor.workspace_id) & (Membership.user.email == email)
    )
    if already:
        raise ValidationFailed({"email": f"{email} is already a member of this workspace."})
    token, token_hash = new_token()
    now = utcnow()
    await Invitation.insert(
        Invitation(
            workspace=actor.workspace_id,
            email=email,
            role=Role.teammate.value,
            token_hash=token_hash,
            invited_by=actor.user.id,
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
    )
    link = link_for(token)
    message = compose(
        "invitation",
        email,
        workspace_id=actor.workspace_id,
        link=link,
        inviter=actor.user.name or actor.user.email,
        workspace=actor.workspace.name,
        lifetime=INVITATION_LIFETIME,
    )
    return await record_email(message)


async def find_invitation(token: str) -> Invitation:
    """Raises NotFound for unknown, used, revoked or expired invitations."""
    row = await Invitation.objects(Invitation.workspace).where(Invitation.token_hash == hash_token(token)).first()
    if row is None or row.accepted_at is not None or row.revoked_at is not None or row.expires_at < utcnow():
        raise NotFound("This invitation has expired or was already used. Ask the owner to invite you again.")
    return row


async def invitation_for_token(token: str | None) -> Invitation | None:
    """The pending invitation with this token (a sign-up coming from an invitation link); None for anything else."""
    try:
        return await find_invitation(token) if token else None
    except NotFound:
        return None


def invitee_mismatch(invitation: Invitation, user: User) -> str | None:
    """Why `user` may not use `invitation` (it was sent to someone else), or None when they are the invitee.

    Both addresses are stored normalised (lower-cased, IDNA domain); casefold() also covers rows that predate that.
    """
    if user.email.casefold() == invitation.email.casefold():
        return None
    return (
        f"This invitation was sent to {invitation.email}. Log in as {invitation.email}, "
        f"or ask the owner to invite {user.email}."
    )


async def accept_invitation(token: str, user: User) -> Workspace:
    """Join the invitation's workspace as the signed-in user, who must be the invitee; the link works once.

    Raises:
        NotFound: unknown, used, revoked or expired invitation.
        PermissionDenied: the signed-in user is not the person the invitation was sent to.
        Conflict: a concurrent acceptance used it first.
    """
    invitation = await find_invitation(token)
    mismatch = invitee_mismatch(invitation, user)
    if mismatch:
        raise PermissionDenied(mismatch)
    claimed = (
        await Invitation.update({Invitation.accepted_at: utcnow()})
        .where((Invitation.id == invitation.id) & Invitation.accepted_at.is_null())
        .returning(Invitation.id)
    )
    if not claimed:
        raise Conflict("This invitation was already used.")
    workspace_id = invitation.workspace.id
    if not await Membership.exists().where((Membership.workspace == workspace_id) & (Membership.user == user.id)):
        await Membership.insert(
            Membership(workspace=workspace_id, user=user.id, role=invitation.role, created_at=utcnow())
        )
    await User.update({User.last_workspace_id: workspace_id}).where(User.id == user.id)
    return invitation.workspace


async def _membership(actor: Actor, membership_id: int) -> Membership:
    row = (
        await Membership.objects()
        .where((Membership.id == membership_id) & (Membership.workspace == actor.workspace_id))
        .first()
    )
    if row is None:
        raise NotFound()
    return row


async def _owner_count(workspace_id: int) -> int:
    return await Membership.count().where(
        (Membership.workspace == workspace_id) & (Membership.role == Role.owner.value)
    )


async def remove_member(actor: Actor, membership_id: int) -> None:
    """Raises Conflict when it would leave the workspace without an owner."""
    actor.require_owner("remove teammates")
    row = await _membership(actor, membership_id)
    if row.role == Role.owner.value and await _owner_count(actor.workspace_id) <= 1:
        raise Conflict("A workspace needs at least one owner. Promote someone else first.")
    await Membership.delete().where(Membership.id == row.id)


async def set_role(actor: Actor, membership_id: int, role: str) -> Membership:
    actor.require_owner("change roles")
    if role not in {Role.owner.value, Role.teammate.value}:
        raise ValidationFailed({"role": "Choose owner or teammate."})
    row = await _membership(actor, membership_id)
    if row.role == Role.owner.value and role != Role.owner.value and await _owner_count(actor.workspace_id) <= 1:
        raise Conflict("A workspace needs at least one owner. Promote someone else first.")
    await Membership.update({Membership.role: role}).where(Membership.id == row.id)
    row.role = role
    return row


async def revoke_invitation(actor: Actor, invitation_id: int) -> None:
    actor.require_owner("revoke invitations")
    revoked = (
        await Invitation.update({Invitation.revoked_at: utcnow()})
        .where((Invitation.id == invitation_id) & (Invitation.workspace == actor.workspace_id))
        .returning(Invitation.id)
    )
    if not revoked:
        raise NotFound()
