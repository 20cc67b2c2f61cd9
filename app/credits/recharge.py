"""Auto-recharge: when a client's balance falls below their threshold, charge their saved card once, off-session.

The usage path calls two seams. `after_usage` runs after usage was recorded: below the threshold it claims the
client's single recharge and enqueues its charge, or (auto-recharge off or paused) sends the low-balance email at
most once a day. `ensure_funds` runs when usage would take the balance below zero: it claims (or joins) the recharge,
charges inline (or waits for the one running, a bounded time) and says whether the credits now cover the usage.

Single flight is the database's, not a lock in memory: a claim first moves the client's CreditAccount row by a
conditional update (auto-recharge on, not paused or past the cooldown, balance below the mark), which on PostgreSQL
takes its row lock and re-reads the row after any concurrent decline committed its pause; then it inserts a Recharge
whose unique `in_flight` is the client's id, which fails for a second claim while the first is in flight. The charge
itself is in `recharge_charge`, the emails in `recharge_emails`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta
from typing import Any

import stripe

from app.auto_billing.tables import PayoutAccount
from app.core.timeutil import utcnow
from app.credit_pricing import rules
from app.credit_pricing.services import current_price
from app.credits import ledger, recharge_charge, recharge_emails
from app.credits.recharge_links import CONFIRM_LINK_LIFETIME
from app.credits.recharge_queue import charge_later
from app.credits.tables import IN_FLIGHT, CreditAccount, Recharge, RechargeStatus

log = logging.getLogger(__name__)

LOW_BALANCE_EMAIL_EVERY = timedelta(days=1)
# How long `ensure_funds` waits for a recharge another process is charging before it lets the usage be refused.
ENSURE_FUNDS_WAIT = timedelta(seconds=15)
# A pending or charging recharge untouched this long lost its consumer: the sweep runs it again.
STALL_AFTER = timedelta(minutes=2)
# Stripe keeps an idempotency key for 24 hours: past this a rerun could charge again, so the sweep stops trying
# (the payment_intent.succeeded webhook still credits one that had been charged).
IDEMPOTENCY_WINDOW = timedelta(hours=23)
_CHARGING = (RechargeStatus.pending.value, RechargeStatus.charging.value)


def paused(account: dict[str, Any], now: datetime | None = None) -> str:
    """Why auto-recharge is paused now ("" when it is not): a decline's pause ends with its cooldown."""
    if not account["paused_reason"]:
        return ""
    retry_after = account["retry_after"]
    if retry_after is not None and retry_after <= (now or utcnow()):
        return ""
    return account["paused_reason"]


def may_recharge(account: dict[str, Any], now: datetime | None = None) -> bool:
    return bool(account["auto_recharge"] and account["payment_method_id"] and not paused(account, now))


async def after_usage(
    workspace_id: int, client_id: int, *, account: dict[str, Any] | None = None, recharging: bool | None = None
) -> None:
    """Start a recharge if the client's balance is below its threshold, or warn the client once a day.

    Args:
        account: the client's account as the usage just left it, when the caller has it (a batch of spends does);
            else it is read.
        recharging: whether a recharge of the client was in flight, when the caller has asked; else it is read.

    Raises:
        NotFound: the client is not the workspace's.
    """
    if account is None:
        # One indexed read: the account exists once credits were ever recorded.
        account = await (
            CreditAccount.select()
            .where((CreditAccount.client == client_id) & (CreditAccount.workspace == workspace_id))
            .first()
        )
    if account is None:
        await ledger.client_in_workspace(workspace_id, client_id)
        return
    threshold = int(account["recharge_threshold"])
    if int(account["balance"]) >= threshold:
        return
    if may_recharge(account):
        if recharging is None:
            recharging = await Recharge.exists().where(Recharge.in_flight == client_id)
        if recharging:
            return  # the common case under load: one is already running, and no write is needed to know it
        recharge_id = await claim(workspace_id, client_id, below=threshold)
        if recharge_id is not None:
            charge_later(recharge_id)
        return
    await _warn_low_balance(account)


async def ensure_funds(workspace_id: int, client_id: int, needed: int) -> bool:
    """Recharge before refusing usage of `needed` credits; True when the balance now covers it."""
    account = await ledger.account(workspace_id, client_id)
    if int(account["balance"]) >= needed:
        return True
    if not may_recharge(account):
        return False
    recharge_id = await claim(workspace_id, client_id, below=max(int(account["recharge_threshold"]), needed))
    if recharge_id is not None:
        try:
            await recharge_charge.run(recharge_id)
        except stripe.StripeError:
            log.warning("recharge %s: Stripe did not answer inline; queued", recharge_id, exc_info=True)
            charge_later(recharge_id)
    else:
        await _wait_for_flight(client_id)
    return await ledger.balance(workspace_id, client_id) >= needed


async def _wait_for_flight(client_id: int) -> None:
    """Poll the client's in-flight recharge until it is no longer charging, or ENSURE_FUNDS_WAIT has passed."""
    deadline = time.monotonic() + ENSURE_FUNDS_WAIT.total_seconds()
    while time.monotonic() < deadline:
        row = await Recharge.select(Recharge.status).where(Recharge.in_flight == client_id).first()
        if row is None or row["status"] not in _CHARGING:
            return
        await asyncio.sleep(0.05)


async def claim(workspace_id: int, client_id: int, below: int) -> int | None:
    """Claim the client's one recharge when its balance is below `below`; None when one is in flight already, or
    auto-recharge may not charge (off, paused, no card, no payout account, no sellable price).

    The claim's price is the one in force now, stored on the row with everything Stripe will be sent.
    """
    payout = await (
        PayoutAccount.select(PayoutAccount.stripe_account_id).where(PayoutAccount.workspace == workspace_id).first()
    )
    pricing = await current_price(workspace_id)
    if payout is None or not pricing.sellable:
        # Debug, not warning: this is asked on every usage call below the threshold until the agency fixes it.
        log.debug("auto-recharge for client %s cannot charge: no payout account or no price", client_id)
        return None
    now = utcnow()
    mine = (CreditAccount.client == client_id) & (CreditAccount.workspace == workspace_id)
    not_paused = (CreditAccount.paused_reason == "") | (
        CreditAccount.retry_after.is_not_null() & (CreditAccount.retry_after <= now)
    )
    async with ledger.write_transaction():
        gate = await (
            CreditAccount.update({CreditAccount.updated_at: now}, use_auto_update=False)
            .where(
                mine
                & (CreditAccount.auto_recharge == True)  # noqa: E712 (a SQL comparison, not Python's)
                & (CreditAccount.payment_method_id != "")
                & (CreditAccount.balance < below)
                & not_paused
            )
            .returning(*CreditAccount.all_columns())
        )
        if not gate:
            return None
        account = gate[0]
        credits = rules.credits_per_pack(account["recharge_usd"], pricing.final_price)
        amount = int(account["recharge_usd"]) * 100
        inserted = await (
            Recharge.insert(
                Recharge(
                    workspace=workspace_id,
                    client=client_id,
                    status=RechargeStatus.pending.value,
                    in_flight=client_id,
                    credits=credits,
                    amount_minor=amount,
                    application_fee_minor=rules.application_fee_minor(pricing.platform_price, credits, amount),
                    currency="usd",
                    stripe_account_id=payout["stripe_account_id"],
                    stripe_customer_id=account["stripe_customer_id"],
                    payment_method_id=account["payment_method_id"],
                    card_label=account["card_label"],
                    created_at=now,
                    updated_at=now,
                    **ledger.price_fields(pricing.final_price, pricing.platform_price, pricing.cost_per_credit),
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(Recharge.id)
        )
    return inserted[0]["id"] if inserted else None


async def _warn_low_balance(account: dict[str, Any]) -> None:
    """The low-balance email, at most once per LOW_BALANCE_EMAIL_EVERY per client (a conditional update decides)."""
    now = utcnow()
    due = (CreditAccount.low_balance_emailed_at.is_null()) | (
        CreditAccount.low_balance_emailed_at <= now - LOW_BALANCE_EMAIL_EVERY
    )
    taken = await (
        CreditAccount.update({CreditAccount.low_balance_emailed_at: now}, use_auto_update=False)
        .where((CreditAccount.id == account["id"]) & due)
        .returning(CreditAccount.id)
    )
    if taken:
        reason = paused(account, now) if account["auto_recharge"] else ""
        recharge_emails.send(
            await recharge_emails.low_balance(
                account["workspace"],
                account["client"],
                int(account["balance"]),
                int(account["recharge_threshold"]),
                reason,
            )
        )


async def resume_stalled() -> list[int]:
    """The periodic sweep: rerun recharges whose consumer died, give up on ones past Stripe's idempotency window
    or whose confirmation link expired. Returns the ids to enqueue again (touched, so the next sweep waits)."""
    now = utcnow()
    open_rows = Recharge.status.is_in([status.value for status in IN_FLIGHT])
    for row in await Recharge.select().where(open_rows & (Recharge.created_at <= now - IDEMPOTENCY_WINDOW)):
        if row["status"] in _CHARGING:
            await recharge_charge.finish_stalled(row)
    for row in await Recharge.select().where(
        (Recharge.status == RechargeStatus.requires_action.value) & (Recharge.updated_at <= now - CONFIRM_LINK_LIFETIME)
    ):
        await recharge_charge.give_up(row)
    stalled = await (
        Recharge.update({Recharge.updated_at: now}, use_auto_update=False)
        .where(Recharge.status.is_in(list(_CHARGING)) & (Recharge.updated_at <= now - STALL_AFTER))
        .returning(Recharge.id)
    )
    return [row["id"] for row in stalled]


async def latest(workspace_id: int, client_id: int, limit: int = 10) -> list[dict[str, Any]]:
    """The client's recharges, newest first (for pages that show them)."""
    await ledger.client_in_workspace(workspace_id, client_id)
    return await (
        Recharge.select()
        .where((Recharge.workspace == workspace_id) & (Recharge.client == client_id))
        .order_by(Recharge.id, ascending=False)
        .limit(limit)
    )
