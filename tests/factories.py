"""Small builders for rows pulled from Stripe, with meaningful defaults, so rule tests need no sync."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from app.clients.tables import Client, ClientDomain, ClientEmail, ClientStatus
from app.core.timeutil import utcnow
from app.stripe_data.tables import (
    CustomerMatch,
    StripeCharge,
    StripeCustomer,
    StripeInvoice,
    StripeRefund,
    StripeSubscription,
    SyncRun,
)

ACCOUNT = "acct_test_agency"
_seq = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}_{next(_seq):08d}"


async def client(
    workspace_id: int,
    name: str = "Acme Rockets",
    emails: tuple[str, ...] = (),
    domains: tuple[str, ...] = (),
    archived: bool = False,
) -> Client:
    now = utcnow()
    row = Client(
        workspace=workspace_id,
        name=name,
        created_at=now,
        updated_at=now,
        status=ClientStatus.archived.value if archived else ClientStatus.active.value,
    )
    await row.save()
    for email in emails:
        await ClientEmail.insert(ClientEmail(workspace=workspace_id, client=row.id, email=email))
    for domain in domains:
        await ClientDomain.insert(ClientDomain(workspace=workspace_id, client=row.id, domain=domain))
    return row


async def customer(
    workspace_id: int,
    email: str = "",
    name: str = "",
    website: str = "",
    account_id: str = ACCOUNT,
    currency: str = "usd",
    stripe_id: str | None = None,
) -> StripeCustomer:
    now = utcnow()
    row = StripeCustomer(
        workspace=workspace_id,
        account_id=account_id,
        stripe_id=stripe_id or _id("cus"),
        email=email.lower(),
        email_domain=email.rpartition("@")[2].lower() if email else "",
        website_domain=website,
        name=name or email or "Customer",
        currency=currency,
        created=now,
        synced_at=now,
    )
    await row.save()
    return row


async def invoice(
    cust: StripeCustomer,
    total: int = 10_000,
    status: str = "paid",
    currency: str = "usd",
    created: datetime | None = None,
    due_date: datetime | None = None,
    amount_paid: int | None = None,
    amount_remaining: int | None = None,
    customer_email: str = "",
    number: str = "",
    collection_method: str | None = None,
    attempt_count: int = 0,
    next_payment_attempt: datetime | None = None,
    finalized_at: datetime | None = None,
) -> StripeInvoice:
    """A synced invoice. With a due date it is a sent invoice (Stripe sends due dates only for those); without, an
    automatic one, finalized an hour after `created` unless it is a draft."""
    now = utcnow()
    paid = status == "paid"
    created = created or now - timedelta(days=30)
    if finalized_at is None and status != "draft":
        finalized_at = created + timedelta(hours=1)
    row = StripeInvoice(
        workspace=cust.workspace,
        account_id=cust.account_id,
        stripe_id=_id("in"),
        customer_id=cust.stripe_id,
        customer_email=customer_email.lower(),
        number=number,
        status=status,
        currency=currency,
        total=total,
        amount_due=total,
        amount_paid=total if amount_paid is None and paid else (amount_paid or 0),
        amount_remaining=(0 if paid else total) if amount_remaining is None else amount_remaining,
        created=created,
        due_date=due_date,
        paid_at=now if paid else None,
        synced_at=now,
        collection_method=collection_method or ("send_invoice" if due_date else "charge_automatically"),
        attempt_count=attempt_count,
        next_payment_attempt=next_payment_attempt,
        finalized_at=finalized_at,
    )
    await row.save()
    return row


async def charge(
    cust: StripeCustomer,
    amount: int = 10_000,
    refunded: int = 0,
    currency: str = "usd",
    paid: bool = True,
    status: str = "succeeded",
    invoice_id: str = "",
    customer_id: str | None = None,
) -> StripeCharge:
    now = utcnow()
    row = StripeCharge(
        workspace=cust.workspace,
        account_id=cust.account_id,
        stripe_id=_id("ch"),
        customer_id=cust.stripe_id if customer_id is None else customer_id,
        invoice_id=invoice_id,
        status=status,
        paid=paid,
        currency=currency,
        amount=amount,
        amount_refunded=refunded,
        created=now - timedelta(days=10),
        synced_at=now,
    )
    await row.save()
    return row


async def refund(ch: StripeCharge, amount: int, status: str = "succeeded") -> StripeRefund:
    now = utcnow()
    row = StripeRefund(
        workspace=ch.workspace,
        account_id=ch.account_id,
        stripe_id=_id("re"),
        charge_id=ch.stripe_id,
        status=status,
        currency=ch.currency,
        amount=amount,
        created=now,
        synced_at=now,
    )
    await row.save()
    return row


async def subscription(cust: StripeCustomer, status: str = "active") -> StripeSubscription:
    now = utcnow()
    row = StripeSubscription(
        workspace=cust.workspace,
        account_id=cust.account_id,
        stripe_id=_id("sub"),
        customer_id=cust.stripe_id,
        status=status,
        created=now,
        synced_at=now,
    )
    await row.save()
    return row


async def manual_match(cust: StripeCustomer, client_id: int | None, ignored: bool = False) -> CustomerMatch:
    await CustomerMatch.delete().where(
        (CustomerMatch.workspace == cust.workspace) & (CustomerMatch.customer_id == cust.stripe_id)
    )
    row = CustomerMatch(
        workspace=cust.workspace,
        account_id=cust.account_id,
        customer_id=cust.stripe_id,
        client=client_id,
        method="" if ignored else "manual",
        reason="test",
        ignored=ignored,
        updated_at=utcnow(),
    )
    await row.save()
    return row


async def finished_sync(workspace_id: int, account_id: str = ACCOUNT, finished_at: datetime | None = None) -> SyncRun:
    now = utcnow()
    row = SyncRun(
        workspace=workspace_id,
        account_id=account_id,
        status="done",
        created_at=now,
        started_at=now,
        finished_at=finished_at or now,
    )
    await row.save()
    return row
