"""The Stripe connection of a workspace, OAuth states in flight, and the inbox of Stripe events."""

from enum import Enum

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User
from app.workspaces.tables import Workspace


class ConnectionStatus(str, Enum):
    connected = "connected"
    # The owner disconnected but Stripe hasn't confirmed the unlink yet: nothing syncs, tokens stay until it does.
    disconnect_pending = "disconnect_pending"
    disconnected = "disconnected"
    error = "error"


class StripeConnection(Table):
    """One row per (workspace, Stripe account) ever linked; at most one is `connected` per workspace."""

    workspace = ForeignKey(references=Workspace, index=True)
    stripe_account_id = Varchar(length=64, index=True)
    account_name = Varchar(length=300, default="")
    livemode = Boolean(default=False)
    scope = Varchar(length=50, default="read_write")
    # Fernet-encrypted; never logged or rendered.
    access_token_enc = Text(default="", secret=True)
    refresh_token_enc = Text(default="", secret=True)
    status = Varchar(length=20, choices=ConnectionStatus, default=ConnectionStatus.connected.value, index=True)
    status_reason = Text(default="", help_text="Why it is disconnected or in error, in words for the owner.")
    connected_by = ForeignKey(references=User, null=True)
    connected_at = Timestamptz()
    disconnected_at = Timestamptz(null=True, default=None)
    # Set by a purge: the owner asked to stop holding the data, so nothing is pulled or applied until Sync again.
    sync_paused_at = Timestamptz(null=True, default=None)
    sync_paused_reason = Text(default="", help_text="Why syncing is paused, in words for the owner.")


class OAuthState(Table):
    """A single-use, expiring `state` for Stripe's OAuth redirect, bound to a workspace and a user."""

    token_hash = Varchar(length=64, unique=True)
    workspace = ForeignKey(references=Workspace, index=True)
    user = ForeignKey(references=User)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class StripeEvent(Table):
    """Every verified webhook event, stored before processing; the unique id makes replays harmless."""

    event_id = Varchar(length=255, unique=True)
    event_type = Varchar(length=100, index=True)
    account = Varchar(length=64, default="", index=True)
    livemode = Boolean(default=False)
    payload = Text()
    received_at = Timestamptz()
    processed_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    last_error = Text(default="")
