"""The agency's payout account: an Express account ClientPulse created at Stripe, and what Stripe last said of it.

Not the read-only Stripe connection of the Integrations page (`app.integrations.tables.StripeConnection`): that one
reads an account the agency already had; this one is created by the platform so the agency can be paid.
"""

from piccolo.columns import BigInt, Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User
from app.workspaces.tables import Workspace


class PayoutAccount(Table):
    """One per workspace. The status columns are a cache of Stripe's latest account object, never of a browser."""

    workspace = ForeignKey(references=Workspace, unique=True)
    stripe_account_id = Varchar(length=64, unique=True)
    email = Varchar(length=254)
    created_by = ForeignKey(references=User, null=True)
    created_at = Timestamptz()
    charges_enabled = Boolean(default=False)
    payouts_enabled = Boolean(default=False)
    details_submitted = Boolean(default=False)
    # Stripe's `requirements` hash as JSON (currently_due, past_due, pending_verification, errors, ...).
    requirements = Text(default="{}")
    disabled_reason = Varchar(length=100, default="")
    current_deadline = Timestamptz(null=True, default=None)
    # The latest payouts (newest first) as JSON: id, amount (minor units), currency, status, dates, failure.
    payouts = Text(default="[]")
    # When the fetch that wrote the status started: a slower, older fetch never overwrites a newer one.
    fetched_at = Timestamptz(null=True, default=None)
    # The `created` of the newest Stripe event applied (unix seconds), for the record; events trigger a refetch.
    last_event_created = BigInt(default=0)
    # Why the last fetch from Stripe failed, in words ("" once one succeeds): the panel's "Connection Errors".
    last_error = Text(default="")
    # When what the status panel shows last changed: the panel's poll compares it.
    updated_at = Timestamptz()
