"""The JSON API's response shapes. Handlers return these Structs, so the OpenAPI document describes them exactly.

Money is in integer minor units (cents) with its currency; times are Unix timestamps in seconds, as Stripe's are.
"""

from __future__ import annotations

from typing import Literal

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
