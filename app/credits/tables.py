"""The credit ledger: one append-only row per change of a client's credits, and one account row per client.

The ledger is the truth; `CreditAccount.balance` is a cache of the sum of its entries' credits, moved in the same
transaction as each entry is appended, and checked against the ledger by a periodic task (`app.credits.ledger`).
Money is integer minor units; prices are decimal text (SQLite would store a NUMERIC as a float).
"""

from enum import Enum

from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.accounts.tables import User
from app.clients.tables import Client
from app.workspaces.tables import Workspace


class EntryKind(str, Enum):
    purchase = "purchase"  # a credit pack bought on the billing page, credited from Stripe's webhook
    auto_recharge = "auto_recharge"  # an off-session charge of the saved card, credited from Stripe's answer
    usage = "usage"  # credits spent, recorded through the usage API
    refund = "refund"  # a refund in Stripe took back the credits it paid for (+: gave them back, the refund failed)
    adjustment = "adjustment"  # an owner's correction, with a reason


class CreditAccount(Table):
    """A client's credits: the cached balance and the client's auto-recharge settings and state."""

    workspace = ForeignKey(references=Workspace, index=True, null=False, on_delete=OnDelete.cascade)
    client = ForeignKey(references=Client, unique=True, null=False, on_delete=OnDelete.cascade)
    balance = BigInt(default=0, help_text="Cache of the sum of the ledger's credits for this client.")
    # Set when a refund took the balance below zero; cleared when the balance is back at zero or more.
    negative_since = Timestamptz(null=True, default=None)
    # The customer and card on the agency's connected account, saved by Checkout for off-session charges.
    stripe_customer_id = Varchar(length=64, default="")
    payment_method_id = Varchar(length=64, default="")
    card_label = Varchar(length=64, default="", help_text='What the client sees, e.g. "Visa ending 4242".')
    auto_recharge = Boolean(default=False)
    recharge_threshold = BigInt(default=0, help_text="Recharge when the balance falls below this many credits.")
    recharge_usd = Integer(default=0, help_text="Whole dollars charged per recharge.")
    # Why auto-recharge paused itself (a decline, authentication needed), "" while it runs; and when a retry may go.
    paused_reason = Text(default="")
    retry_after = Timestamptz(null=True, default=None)
    low_balance_emailed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class CreditEntry(Table):
    """One change of a client's credits. Rows are only ever inserted.

    `dedupe_key` makes each outside fact count once, whatever repeats it: "pi:<PaymentIntent id>" for a purchase or
    recharge, "refund:<Refund id>" for a refund ("refund-failed:<Refund id>" for giving it back when it failed in
    Stripe), "usage:<workspace id>:<Idempotency-Key>" for usage. NULL (an owner's adjustment) never collides.
    """

    workspace = ForeignKey(references=Workspace, index=True, null=False, on_delete=OnDelete.cascade)
    client = ForeignKey(references=Client, index=True, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=16, choices=EntryKind, index=True)
    credits = BigInt(help_text="Signed: + adds credits, - takes them.")
    balance_after = BigInt()
    dedupe_key = Varchar(length=320, null=True, default=None, unique=True)
    # For usage: a hash of the request body, so a repeated key with another body is told apart (409).
    request_fingerprint = Varchar(length=64, default="")
    description = Text(default="")
    # Money, when money moved: what the client paid (+) or got back (-), and the platform's application fee.
    amount_minor = BigInt(default=0)
    currency = Varchar(length=3, default="usd")
    application_fee_minor = BigInt(default=0)
    # The prices this entry used, decimal text per credit ("" for usage and adjustments that moved no money).
    final_price_per_credit = Varchar(length=32, default="")
    platform_price_per_credit = Varchar(length=32, default="")
    cost_per_credit = Varchar(length=32, default="")
    stripe_payment_intent_id = Varchar(length=64, default="", index=True)
    stripe_charge_id = Varchar(length=64, default="")
    stripe_refund_id = Varchar(length=64, default="")
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(index=True)


class RechargeStatus(str, Enum):
    pending = "pending"  # claimed, not yet sent to Stripe
    charging = "charging"  # sent (or being sent) to Stripe; a rerun asks again with the same idempotency key
    requires_action = "requires_action"  # the bank wants the client to authenticate: emailed a confirmation link
    succeeded = "succeeded"  # paid and credited
    failed = "failed"  # declined: auto-recharge paused for the cooldown
    canceled = "canceled"  # the client never confirmed in time, or it was abandoned


# The states a recharge holds its client's single flight in (`Recharge.in_flight` is set).
IN_FLIGHT = (RechargeStatus.pending, RechargeStatus.charging, RechargeStatus.requires_action)


class Recharge(Table):
    """One attempt to recharge a client's credits off-session with the saved card.

    Single flight is the database's: `in_flight` holds the client's id while the attempt is pending, charging or
    waiting for the client to authenticate, and NULL once it finished; it is unique, so a second claim for the same
    client fails on insert, whatever process makes it. Everything Stripe is sent is stored when the attempt is
    claimed (amount, fee, card, prices), so a rerun sends the same request under the same idempotency key.
    """

    workspace = ForeignKey(references=Workspace, index=True, null=False, on_delete=OnDelete.cascade)
    client = ForeignKey(references=Client, index=True, null=False, on_delete=OnDelete.cascade)
    status = Varchar(length=16, choices=RechargeStatus, default=RechargeStatus.pending.value)
    in_flight = BigInt(null=True, default=None, unique=True, help_text="The client's id while in flight, else NULL.")
    credits = BigInt()
    amount_minor = BigInt()
    application_fee_minor = BigInt(default=0)
    currency = Varchar(length=3, default="usd")
    final_price_per_credit = Varchar(length=32, default="")
    platform_price_per_credit = Varchar(length=32, default="")
    cost_per_credit = Varchar(length=32, default="")
    stripe_account_id = Varchar(length=64, default="")
    stripe_customer_id = Varchar(length=64, default="")
    payment_method_id = Varchar(length=64, default="")
    card_label = Varchar(length=64, default="")
    payment_intent_id = Varchar(length=64, default="", index=True)
    error_code = Varchar(length=64, default="")
    error = Text(default="")
    attempts = Integer(default=0)
    created_at = Timestamptz()
    updated_at = Timestamptz()
