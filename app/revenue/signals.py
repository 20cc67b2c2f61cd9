"""Quietly cancelling flags and upsell opportunities per client, from stored Stripe objects (app.revenue.flags).

Reads each table once for the whole workspace, like the MRR history it builds on; a caller that has the
workspace's RevenueFacts (app.revenue.facts) passes them, so subscriptions and their lines are not read again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.core.timeutil import as_moment, utcnow
from app.revenue import flags, history
from app.revenue.facts import ClientKey, RevenueFacts, load_facts
from app.revenue.services import Series, mrr_history
from app.stripe_data.mrr import moment
from app.stripe_data.tables import StripeCharge, StripeInvoice

# Sent invoices count as on time when paid by their due date; automatic ones when the first attempt succeeded.
_INVOICES_SQL = (
    "SELECT account_id, customer_id, subscription_id, status, created, paid_at, due_date, attempt_count "
    "FROM stripe_invoice WHERE workspace = {} AND status NOT IN ('draft', 'void')"
)


@dataclass
class ClientSignals:
    cancelling: list[flags.Flag] = field(default_factory=list)
    upsell: list[flags.Flag] = field(default_factory=list)


@dataclass
class _Facts:
    subscriptions: list[dict] = field(default_factory=list)
    changes: list[flags.PriceChange] = field(default_factory=list)
    attempts: list[tuple[datetime, bool]] = field(default_factory=list)
    invoices: list[tuple[datetime, bool]] = field(default_factory=list)
    last_invoice: datetime | None = None
    first_billed: datetime | None = None


def _interval(subscriptions: list[dict], at: datetime) -> tuple[str, int]:
    """The longest billing interval among the client's live subscriptions (the gap it may leave between invoices)."""
    days = {"day": 1, "week": 7, "month": 30, "year": 365}
    best = ("month", 1)
    for sub in subscriptions:
        if sub.get("status") not in ("active", "past_due"):
            continue
        for item in (sub.get("items") or {}).get("data") or []:
            recurring = (item.get("price") or {}).get("recurring") or {}
            found = (recurring.get("interval") or "month", int(recurring.get("interval_count") or 1))
            if days.get(found[0], 30) * found[1] > days.get(best[0], 30) * best[1]:
                best = found
    return best


async def _facts(workspace_id: int, revenue: RevenueFacts) -> dict[ClientKey, _Facts]:
    client_key = revenue.client_key
    out: dict[ClientKey, _Facts] = defaultdict(_Facts)
    for row, sub in zip(revenue.subscription_rows, revenue.subscriptions, strict=True):
        key = client_key(row["account_id"], row["customer_id"])
        if key is None:
            continue
        out[key].subscriptions.append(sub)
        for at, before, after in history.price_changes(sub, revenue.lines.get(row["stripe_id"], []), revenue.prices):
            out[key].changes.append(flags.PriceChange(row["stripe_id"], moment(at), before, after))
    charges = await StripeCharge.select(
        StripeCharge.account_id, StripeCharge.customer_id, StripeCharge.status, StripeCharge.created
    ).where((StripeCharge.workspace == workspace_id) & StripeCharge.status.is_in(["succeeded", "failed"]))
    for row in charges:
        key = client_key(row["account_id"], row["customer_id"])
        if key is not None:
            out[key].attempts.append((as_moment(row["created"]), row["status"] == "succeeded"))
    for row in await StripeInvoice.raw(_INVOICES_SQL, workspace_id):
        key = client_key(row["account_id"], row["customer_id"])
        if key is None:
            continue
        facts, created = out[key], as_moment(row["created"])
        facts.last_invoice = max(filter(None, (facts.last_invoice, created)))
        if row["subscription_id"]:
            facts.first_billed = min(filter(None, (facts.first_billed, created)))
        paid_at, due = as_moment(row["paid_at"]), as_moment(row["due_date"])
        on_time = row["status"] == "paid" and (
            paid_at <= due if due and paid_at else int(row["attempt_count"] or 0) <= 1
        )
        facts.invoices.append((created, on_time))
    return out


async def client_signals(
    workspace_id: int,
    now: datetime | None = None,
    mrr: Series | None = None,
    money: Callable[[int], str] = str,
    facts: RevenueFacts | None = None,
) -> dict[ClientKey, ClientSignals]:
    """Quietly cancelling flags and upsell opportunities of every client that has one.

    Args:
        workspace_id: whose stored Stripe objects to read.
        now: the current instant (tests pass one).
        mrr: the workspace's MRR history if the caller has it (app.revenue.services.mrr_history), else rebuilt.
        money: formats minor units of the workspace currency in the reasons' sentences (the page's money filter).
        facts: the workspace's facts if the caller has loaded them (app.revenue.facts.load_facts), else read here.

    Returns:
        client -> its signals, only for clients with at least one.
    """
    now = (now or utcnow()).astimezone(UTC)
    revenue = facts if facts is not None else await load_facts(workspace_id)
    mrr = mrr or await mrr_history(workspace_id, now, facts=revenue)
    out: dict[ClientKey, ClientSignals] = {}
    for key, facts in (await _facts(workspace_id, revenue)).items():
        series = mrr.clients.get(key, [0] * len(mrr.points))
        paying = series[-1] > 0
        signals = ClientSignals()
        signals.cancelling = [
            flag
            for flag in (
                flags.cancel_at_period_end(facts.subscriptions, now),
                flags.downgrade(facts.changes, now, money),
                flags.failed_payments(facts.attempts),
                flags.invoice_gap(paying, facts.last_invoice, _interval(facts.subscriptions, now), now),
            )
            if flag
        ]
        then = series[-1 - flags.UPSELL_GROWTH_MONTHS] if len(series) > flags.UPSELL_GROWTH_MONTHS else 0
        signals.upsell = [
            flag
            for flag in (
                flags.growing_without_upgrade(then, series[-1], facts.changes, now, money),
                flags.loyal_on_same_price(facts.first_billed, facts.invoices, facts.changes, now) if paying else None,
            )
            if flag
        ]
        if signals.cancelling or signals.upsell:
            out[key] = signals
    return out
