"""The JSON API's response shapes. Handlers return these Structs, so the OpenAPI document describes them exactly.

Money is in integer minor units (cents) with its currency; times are Unix timestamps in seconds, as Stripe's are.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

InvoiceStatus = Literal["draft", "open", "paid", "uncollectible", "void"]
ClientStatus = Literal["active", "archived"]


class ErrorDetail(msgspec.Struct):
    code: str
    message: str
    param: str | None = None


class Error(msgspec.Struct):
    """Every error answer: {"error": {"code": ..., "message": ..., "param": ...}} with the real HTTP status."""

    error: ErrorDetail


class ClientRevenue(msgspec.Struct):
    """A client's money facts from the connected Stripe account, converted into the workspace currency."""

    currency: str
    lifetime_revenue: int
    mrr: int
    open_balance: int
    overdue_amount: int
    overdue_invoice_count: int
    # Days since the oldest overdue invoice fell due; null when nothing is overdue.
    days_overdue: int | None
    last_invoice_created: int | None
    # Currencies with no conversion rate: their amounts are left out of the totals above.
    unconverted_currencies: list[str]


class Client(msgspec.Struct, kw_only=True):
    object: Literal["client"]
    id: int
    name: str
    status: ClientStatus
    emails: list[str]
    domains: list[str]
    created: int
    # False until some Stripe customer of the workspace is matched to the client (the revenue figures are then 0).
    has_stripe_data: bool
    revenue: ClientRevenue


class Invoice(msgspec.Struct, kw_only=True):
    """An invoice pulled from the workspace's Stripe account; `id` is Stripe's."""

    object: Literal["invoice"]
    id: str
    client: int | None
    customer: str
    account: str
    number: str | None
    status: InvoiceStatus
    collection_method: str
    currency: str
    total: int
    amount_due: int
    amount_paid: int
    amount_remaining: int
    created: int
    due_date: int | None
    paid_at: int | None
    # ClientPulse's rule: an open sent invoice past its due date, or an open automatic one whose payment failed.
    overdue: bool
    hosted_invoice_url: str | None


class ClientList(msgspec.Struct, kw_only=True):
    object: Literal["list"]
    data: list[Client]
    has_more: bool
    url: str


class InvoiceList(msgspec.Struct, kw_only=True):
    object: Literal["list"]
    data: list[Invoice]
    has_more: bool
    url: str


FlagKind = Literal["cancelling", "upsell"]
# app.revenue.flags.RULE_NAMES's keys: stable codes a program can test (a test holds the two equal).
FlagRule = Literal[
    "cancel_at_period_end",
    "downgrade",
    "failed_payments",
    "invoice_gap",
    "growing_without_upgrade",
    "loyal_on_same_price",
]
# An exact rate as a decimal string rounded half-even to six places ("0.050000" is 5%): never a float.
Rate = Annotated[str, msgspec.Meta(pattern=r"^-?[0-9]+\.[0-9]{6}$")]
Month = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]


class MrrPoint(msgspec.Struct, kw_only=True):
    """MRR at one moment, and the revenue invoiced and paid in the month that moment ends."""

    label: Month
    measured_at: int
    # True for the last point: the current month so far, measured at the moment of the request.
    current: bool
    mrr: int
    invoiced_revenue: int


class MrrSeries(msgspec.Struct, kw_only=True):
    """MRR at each of the last 24 month ends and now (25 points, oldest first), in the workspace currency."""

    object: Literal["mrr_series"]
    # The client the series is about; null for the whole workspace.
    client: int | None
    currency: str
    # Currencies with no conversion rate for some month: their amounts are left out of the figures.
    unconverted_currencies: list[str]
    data: list[MrrPoint]
    url: str


class MovementMonth(msgspec.Struct, kw_only=True):
    """How MRR moved from the previous month end to this month's: each kind's signed change, and the rates."""

    label: Month
    measured_at: int
    current: bool
    mrr_at_start: int
    new_mrr: int
    expansion_mrr: int
    contraction_mrr: int
    churn_mrr: int
    reactivation_mrr: int
    net_change: int
    mrr_at_end: int
    paying_clients_at_start: int
    churned_clients: int
    # Null when nobody paid at the start of the month.
    logo_churn_rate: Rate | None
    revenue_churn_rate: Rate | None
    net_revenue_retention: Rate | None


class MovementSeries(msgspec.Struct, kw_only=True):
    """The MRR movements of the last 24 months and the current one (24 months, oldest first)."""

    object: Literal["mrr_movements"]
    client: int | None
    currency: str
    unconverted_currencies: list[str]
    data: list[MovementMonth]
    url: str


class Flag(msgspec.Struct, kw_only=True):
    """A quietly cancelling sign or an upsell opportunity of one client, with the rule that fired and why."""

    object: Literal["flag"]
    # "<client>:<rule>", or "<account>:<customer>:<rule>" for a Stripe customer not matched to a client.
    id: str
    client: int | None
    # Set only when `client` is null: the unmatched Stripe customer the flag is about.
    account: str | None
    customer: str | None
    kind: FlagKind
    rule: FlagRule
    message: str
    fired_at: int


class FlagList(msgspec.Struct, kw_only=True):
    object: Literal["list"]
    data: list[Flag]
    has_more: bool
    url: str


# Usage and credits (Auto Billing). Bounds here are app.credits.usage's, so the document states what is accepted.
EntryKind = Literal["purchase", "auto_recharge", "usage", "refund", "adjustment"]


class UsageRequest(msgspec.Struct):
    """Credits a client spent: `client` is a client id of the token's workspace."""

    client: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1, description="The client's id.")]
    credits: Annotated[int, msgspec.Meta(ge=1, le=100_000_000, description="Credits spent, a whole number.")]
    description: Annotated[str, msgspec.Meta(max_length=500, description="What they were spent on.")] = ""


class Usage(msgspec.Struct, kw_only=True):
    """A usage entry of the ledger: the credits spent and the client's balance right after them."""

    object: Literal["usage"]
    id: int
    client: int
    credits: int
    balance_after: int
    description: str
    created: int


class AutoRecharge(msgspec.Struct, kw_only=True):
    """The client's auto-recharge: when the balance falls below `threshold`, the saved card pays `amount_usd`."""

    enabled: bool
    threshold: int
    amount_usd: int
    # Set when auto-recharge stopped itself (a declined card, a bank asking for authentication); null while it runs.
    paused_reason: str | None
    retry_after: int | None
    card: str | None


class CreditBalance(msgspec.Struct, kw_only=True):
    object: Literal["credit_balance"]
    client: int
    balance: int
    # When a refund took the balance below zero; null while it is zero or more.
    negative_since: int | None
    auto_recharge: AutoRecharge


class CreditEntry(msgspec.Struct, kw_only=True):
    """One change of a client's credits: signed `credits` (+ added, - spent) and the balance after it."""

    object: Literal["credit_entry"]
    id: int
    client: int
    kind: EntryKind
    credits: int
    balance_after: int
    description: str
    # What the client paid (+) or got back (-) in minor units, 0 when no money moved (usage, adjustments).
    amount: int
    currency: str
    created: int


class CreditEntryList(msgspec.Struct, kw_only=True):
    object: Literal["list"]
    data: list[CreditEntry]
    has_more: bool
    url: str
