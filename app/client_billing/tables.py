"""What the client billing page needs stored: the agency's branding, and each client's private billing link."""

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.accounts.tables import User
from app.clients.tables import Client
from app.workspaces.tables import Workspace


class Branding(Table):
    """One per workspace, once an owner saved it; without a row the page uses the workspace's name and defaults."""

    workspace = ForeignKey(references=Workspace, unique=True, null=False, on_delete=OnDelete.cascade)
    display_name = Varchar(length=100, default="")
    logo_url = Varchar(length=500, default="", help_text="https only; shown as an <img>, never fetched by us.")
    brand_color = Varchar(length=7, default="", help_text="#rrggbb")
    support_email = Varchar(length=254, default="")
    updated_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    updated_at = Timestamptz()


class BillingLink(Table):
    """A client's private billing link: one row per client, holding only the SHA-256 of the link's token.

    Replacing the link overwrites the hash (the old link dies in the same write); revoking empties it. The token
    itself is shown once, to the owner who made it.
    """

    workspace = ForeignKey(references=Workspace, index=True, null=False, on_delete=OnDelete.cascade)
    client = ForeignKey(references=Client, unique=True, null=False, on_delete=OnDelete.cascade)
    token_hash = Varchar(length=64, null=True, default=None, unique=True)
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
