"""Objects pulled from a workspace's connected Stripe account, the sync's checkpoints, and customer↔client matches.

Every row carries its workspace (tenant isolation) and the Stripe account it came from; amounts are
integer minor units in the object's own currency, exactly as Stripe sends them. `stripe_object` keeps
the object's JSON so later features can read fields without a re-sync; an invoice's is stored without the lines
embedded in its `lines` list (the list's other fields stay), since all its lines are StripeInvoiceLine rows.
Each table's `Unique` constraint is the key its upsert names in ON CONFLICT.
"""

from enum import Enum

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.constraints import Unique
from piccolo.table import Table

from app.clients.tables import Client
from app.workspaces.tables import Workspace


class StripeCustomer(Table):
    workspace = ForeignKey(references=Workspace, index=True)
    account_id = Varchar(length=64)
    stripe_id = Varchar(length=64, index=True)
    email = Varchar(length=320, default="", index=True, help_text="Lower-cased; may be empty.")
    email_domain = Varchar(length=253, default="", index=True)
    website_domain = Varchar(length=253, default="", help_text="From metadata.website/url, normalised.")
    name = Varchar(length=300, default="")
    currency = Varchar(length=3, default="")
    deleted = Boolean(default=False)
    created = Timestamptz()
    stripe_object = JSON(default="{}", help_text="The object as Stripe sent it.")
    synced_at = Timestamptz()

    stripe_customer_unique = Unique([workspace, stripe_id])


class StripeSubscription(Table):
    workspace = ForeignKey(references=Workspace, index=True)
    account_id = Varchar(length=64)
    stripe_id = Varchar(length=64, index=True)
    customer_id = Varchar(length=64, index=True, help_text="Stripe customer id (cus_...).")
    status = Varchar(length=30, index=True)
    currency = Varchar(length=3, default="usd")
    cancel_at_period_end = Boolean(default=False)
    canceled_at = Timestamptz(null=True, default=None)
    current_period_start = Timestamptz(null=True, default=None)
    current_period_end = Timestamptz(null=True, default=None)
    trial_end = Timestamptz(null=True, default=None)
    created = Timestamptz()
    stripe_object = JSON(default="{}", help_text="The object as Stripe sent it.")
    synced_at = Timestamptz()

    stripe_subscription_unique = Unique([workspace, stripe_id])


class StripeInvoice(Table):
    workspace = ForeignKey(references=Workspace, index=True)
    account_id = Varchar(length=64)
    stripe_id = Varchar(length=64, index=True)
    customer_id = Varchar(length=64, index=True)
    customer_email = Varchar(length=320, default="", help_text="Lower-cased invoice customer_email.")
    subscription_id = Varchar(length=64, default="")
    number = Varchar(length=100, default="")
    status = Varchar(length=20, index=True, help_text="draft, open, paid, void, uncollectible")
    currency = Varchar(length=3, default="usd")
    total = Integer(default=0)
    subtotal = Integer(null=True, default=None, help_text="Before discounts and tax (revenue history's net share).")
    total_excluding_tax = Integer(null=True, default=None, help_text="After discounts, before tax.")
    amount_due = Integer(default=0)
    amount_paid = Integer(default=0)
    amount_remaining = Integer(default=0)
    created = Timestamptz(index=True)
    due_date = Timestamptz(null=True, default=None)
    paid_at = Timestamptz(null=True, default=None)
    # What app.stripe_data.overdue needs: in today's API an automatic invoice has no due_date, so lateness comes from
    # its failed attempts and from when it was finalized (payment was due then).
    collection_method = Varchar(
        length=30, default="charge_automatically", help_text="charge_automatically | send_invoice"
    )
    attempt_count = Integer(default=0, help_text="Payment attempts so far; on an open invoice, each one failed.")
    next_payment_attempt = Timestamptz(null=True, default=None, help_text="When Stripe retries; null when it won't.")
    finalized_at = Timestamptz(null=True, default=None, help_text="status_transitions.finalized_at.")
    hosted_invoice_url = Text(default="")
    lines_complete = Boolean(default=False, help_text="All lines pulled (Stripe embeds only the first 10).")
    stripe_object = JSON(default="{}", help_text="The object as Stripe sent it.")
    synced_at = Timestamptz()

    stripe_invoice_unique = Unique([workspace, stripe_id])


class StripeInvoiceLine(Table):
    workspace = ForeignKey(references=Workspace, index=True)
    account_id = Varchar(length=64)
    invoice_id = Varchar(length=64, index=True)
    stripe_id = Varchar(length=64)
    description = Text(default="")
    amount = Integer(default=0)
    currency = Varchar(length=3, default="usd")
    quantity = Integer(null=True, default=None)
    price_id = Varchar(length=64, default="")
    period_start = Timestamptz(null=True, default=None)
    period_end = Timestamptz(null=True, default=None)

    stripe_invoice_line_unique = Unique([workspace, invoice_id, stripe_id])


class StripeCharge(Table):
    workspace = ForeignKey(references=Workspace, index=True)
    account_id = Varchar(length=64)
    stripe_id = Varchar(length=64, index=True)
    customer_id = Varchar(length=64, default="", index=True)
    invoice_id = Varchar(length=64, default="")
    status = Varchar(length=20, default="")
    paid = Boolean(default=False)
    currency = Varchar(length=3, default="usd")
    amount = Integer(default=0)
    amount_refunded = Integer(default=0)
    created = Timestamptz(index=True)
    stripe_object = JSON(default="{}", help_text="The object as Stripe sent it.")
    synced_at = Timestamptz()

    stripe_charge_unique = Unique([workspace, stripe_id])


class StripeRefund(Table):
    workspace = ForeignKey(references=Workspace, index=True)
    account_id = Varchar(length=64)
    stripe_id = Varchar(length=64, index=True)
    charge_id = Varchar(length=64, default="", index=True)
    status = Varchar(length=20, default="")
    currency = Varchar(length=3, default="usd")
    amount = Integer(default=0)
    created = Timestamptz()
    stripe_object = JSON(default="{}", help_text="The object as Stripe sent it.")
    synced_at = Timestamptz()

    stripe_refund_unique = Unique([workspace, stripe_id])


class SyncStatus(str, Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class SyncRun(Table):
    """One sync of one connected account: its checkpoint (resume point) and live progress."""

    workspace = ForeignKey(references=Workspace, index=True)
    account_id = Varchar(length=64)
    kind = Varchar(length=20, default="backfill", help_text="backfill | catchup")
    status = Varchar(length=20, choices=SyncStatus, default=SyncStatus.queued.value, index=True)
    # {"customers": {"cursor": "cus_..", "done": false, "count": 120, "estimate": 400}, ...}
    progress = JSON(default="{}")
    error = Text(default="", help_text="What went wrong and what to do, for the owner.")
    requests_made = Integer(default=0)
    created_at = Timestamptz()
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    heartbeat_at = Timestamptz(null=True, default=None)


class SyncCheckpoint(Table):
    """Per workspace+account: where incremental sync resumes (the newest event or object seen)."""

    workspace = ForeignKey(references=Workspace, index=True)
    account_id = Varchar(length=64)
    last_event_created = Integer(default=0, help_text="Unix seconds of the newest event applied.")
    last_full_sync_at = Timestamptz(null=True, default=None)
    summary_dismissed_at = Timestamptz(null=True, default=None)

    sync_checkpoint_unique = Unique([workspace, account_id])


class StripePartialObject(Table):
    """An object stored without one of its sub-resources (e.g. an invoice's lines past the first 10).

    Stripe refused that one read (a 4xx that is not about the whole account), so the sync stored what it had
    and went on; the retry step reads the missing part again and deletes the mark once it succeeds.
    """

    workspace = ForeignKey(references=Workspace, index=True)
    account_id = Varchar(length=64)
    object_type = Varchar(length=30, help_text="Stripe object name: invoice, subscription, ...")
    stripe_id = Varchar(length=64)
    what = Varchar(length=30, help_text="The sub-resource that is missing: lines, ...")
    error = Text(default="", help_text="Stripe's error code and message, as it answered.")
    status_code = Integer(default=0)
    first_seen_at = Timestamptz()
    last_tried_at = Timestamptz()
    attempts = Integer(default=1)

    stripe_partial_object_unique = Unique([workspace, account_id, object_type, stripe_id])


class MatchMethod(str, Enum):
    email = "email"
    domain = "domain"
    manual = "manual"


class CustomerMatch(Table):
    """How a Stripe customer maps to a client. Manual rows and ignores survive re-syncs and reconnects.

    Automatic rows (email/domain) are recomputed after every sync; `client` is null for an
    unmatched or ignored customer; `suggestions` lists candidate client ids with reasons.
    """

    workspace = ForeignKey(references=Workspace, index=True)
    account_id = Varchar(length=64)
    customer_id = Varchar(length=64, index=True)
    client = ForeignKey(references=Client, null=True, default=None, index=True)
    method = Varchar(length=20, default="", help_text="email | domain | manual | '' (unmatched)")
    reason = Text(default="", help_text="Why it matched, in words: 'email ops@acme.com', 'domain acme.com'.")
    ignored = Boolean(default=False)
    suggestions = JSON(default="[]")
    updated_at = Timestamptz()

    customer_match_unique = Unique([workspace, account_id, customer_id])


class StripeDataVersion(Table):
    """A token that changes with every write to a workspace's pulled Stripe data or its customer matches.

    Computed figures (app.revenue.cache) are kept per workspace under the token they were computed at, so any
    process can tell from one indexed read whether they are still current. A fresh random token per write, not a
    counter: a counter restarts with the table (a test's, or a database restored from backup) and would then
    repeat a token another state of the data had.
    """

    workspace = ForeignKey(references=Workspace, unique=True)
    token = Varchar(length=32)
    changed_at = Timestamptz()
