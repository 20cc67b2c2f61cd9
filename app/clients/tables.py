"""An agency's clients, with their contact emails and web domains."""

from enum import Enum

from piccolo.columns import ForeignKey, Text, Timestamptz, Varchar
from piccolo.constraints import Unique
from piccolo.table import Table

from app.workspaces.tables import Workspace


class ClientStatus(str, Enum):
    active = "active"
    archived = "archived"


class Client(Table):
    workspace = ForeignKey(references=Workspace, index=True)
    name = Varchar(length=200, index=True)
    notes = Text(default="")
    status = Varchar(length=20, choices=ClientStatus, default=ClientStatus.active.value, index=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class ClientEmail(Table):
    """Unique per workspace, so that matching a Stripe customer by exact email is never ambiguous."""

    workspace = ForeignKey(references=Workspace, index=True)
    client = ForeignKey(references=Client, index=True)
    email = Varchar(length=320, index=True)

    client_email_unique = Unique([workspace, email])


class ClientDomain(Table):
    """Not unique: two clients may claim one domain, and matching then asks a person."""

    workspace = ForeignKey(references=Workspace, index=True)
    client = ForeignKey(references=Client, index=True)
    domain = Varchar(length=253, index=True)
