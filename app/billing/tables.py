"""What Stripe last said about the subscription a workspace pays ClientPulse with (on the platform account)."""

from piccolo.columns import Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.table import Table

from app.workspaces.tables import Workspace


class PlanSubscription(Table):
    """One row per workspace that has been to Checkout; only verified webhooks (and Stripe's refetch) write it."""

    workspace = ForeignKey(references=Workspace, unique=True)
    stripe_customer_id = Varchar(length=64, default="", index=True)
    stripe_subscription_id = Varchar(length=64, default="", index=True)
    price_id = Varchar(length=100, default="")
    # Stripe's subscription status as last fetched: active, trialing, past_due, canceled, unpaid, incomplete, ...
    status = Varchar(length=30, default="")
    current_period_end = Timestamptz(null=True, default=None)
    cancel_at_period_end = Boolean(default=False)
    # `created` of the newest event applied (unix seconds): what the row last heard, for support, not for ordering.
    last_event_created = Integer(default=0)
    updated_at = Timestamptz()
