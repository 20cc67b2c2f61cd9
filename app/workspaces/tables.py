"""Workspaces (one per agency), who belongs to them, and pending invitations."""

from enum import Enum

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.constraints import Unique
from piccolo.table import Table

from app.accounts.tables import User
from app.workspaces.plans import Plan


class Role(str, Enum):
    owner = "owner"
    teammate = "teammate"


class Workspace(Table):
    name = Varchar(length=200)
    plan = Varchar(length=20, choices=Plan, default=Plan.free.value)
    timezone = Varchar(length=64, default="UTC")
    currency = Varchar(length=3, default="usd")
    created_at = Timestamptz()


class Membership(Table):
    workspace = ForeignKey(references=Workspace, index=True)
    user = ForeignKey(references=User, index=True)
    role = Varchar(length=20, choices=Role, default=Role.teammate.value)
    created_at = Timestamptz()

    # One membership per person and workspace, so a person never holds two roles in one workspace.
    membership_unique = Unique([workspace, user])


class Invitation(Table):
    workspace = ForeignKey(references=Workspace, index=True)
    email = Varchar(length=320)
    role = Varchar(length=20, choices=Role, default=Role.teammate.value)
    token_hash = Varchar(length=64, unique=True)
    invited_by = ForeignKey(references=User, null=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    accepted_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
