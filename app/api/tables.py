"""API tokens: a workspace's keys to the read-only JSON API under /api/v1."""

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User
from app.workspaces.tables import Workspace


class ApiToken(Table):
    """Only the secret's SHA-256 is kept: the secret is shown once, when the token is made.

    A plain SHA-256 (no salt, no KDF) is enough because the secret is 32 random bytes, not a password: there is
    nothing to guess, and an exact-hash lookup lets a request find its token in one indexed query.
    """

    workspace = ForeignKey(references=Workspace, index=True)
    name = Varchar(length=100)
    prefix = Varchar(length=16, help_text="The secret's first characters, so an owner can tell tokens apart.")
    token_hash = Varchar(length=64, unique=True)
    created_by = ForeignKey(references=User, null=True)
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
