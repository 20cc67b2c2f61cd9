"""Per-client money facts from pulled Stripe data: lifetime revenue, MRR, last invoice, open balance and overdue.

Definitions (each has unit tests in tests/unit/test_overdue_and_revenue.py):
- Lifetime revenue = succeeded, paid charges of the client's matched customers, minus what was refunded. A charge's
  refund is the larger of its own `amount_refunded` and the sum of its succeeded/pending refunds, so a partial
  refund counts whether the sync has seen the refund object, the updated charge, or both. Charges (money that
  actually moved) rather than invoices' amount_paid, so one-off payments without an invoice count too.
- Last invoice = the newest non-draft, non-void invoice's creation time.
- Open balance = amount_remaining of open invoices.
- Overdue = app.stripe_data.overdue's rules: a sent invoice past its due date, or an automatic one whose payment
  failed (counted from when it was finalized), in calendar days of the workspace's time zone; only open invoices
  with something left to pay. A client's badge describes its oldest overdue invoice; count and amount cover all.
- MRR = app.stripe_data.mrr.monthly_amount of each active and past_due subscription at this moment (its rules
  and tests live there: intervals, quantities, coupons by duration, trials and cancellations).
Everything is summed per currency first, then converted once with the fixed rates of app.core.fx.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.core import fx
from app.core.timeutil import utcnow
from app.stripe_data import mrr
from app.stripe_data.overdue import Lateness, counts_from_sql, lateness, overdue_sql, start_of_day, today_in
from app.workspaces.tables import Workspace

MRR_STATUSES = ("active", "past_due")


async def run_sql(sql: str, *args: object) -> list[dict]:
    """A parameterised raw query ({} placeholders). Stripe tables have a `raw` JSON column that shadows
    Table.raw(), so queries go through a table without one; the SQL names its own tables."""
    return await Workspace.raw(sql, *args)


@dataclass
class ClientInsight:
    """Money facts of one client, amounts in integer minor units of `currency` (the workspace's)."""

    client_id: int
    currency: str
    lifetime_revenue: int = 0
    mrr: int = 0
    open_balance: int = 0
    last_invoice_at: datetime | None = None
    lateness: Lateness | None = None  # of the oldest overdue invoice: what the badge says
    overdue_count: int = 0
    overdue_amount: int = 0
    has_data: bool = False
    unconverted: set[str] = field(default_factory=set)

    @property
    def overdue(self) -> bool:
        # Not days_overdue > 0: an automatic payment that failed today is overdue at 0 days.
        return self.lateness is not None

    @property
    def days_overdue(self) -> int:
        return self.lateness.days if self.lateness else 0


def _moment(value: object) -> datetime | None:
    """Aggregates come back as datetimes from PostgreSQL and as ISO text from SQLite."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _loaded(raw: object) -> dict:
    """A stored `raw` JSON column: text from SQLite, sometimes already decoded."""
    data = json.loads(raw) if isinstance(raw, str) else raw
    return data if isinstance(data, dict) else {}


def _client_filter(client_ids: list[int] | None, column: str) -> tuple[str, list]:
    if client_ids is None:
        return "", []
    if not client_ids:
        return " AND 1 = 0", []
    return f" AND {column} IN ({', '.join('{}' for _ in client_ids)})", list(client_ids)


_MATCH_JOIN = (
    "JOIN customer_match m ON m.workspace = {t}.workspace AND m.account_id = {t}.account_id "
    "AND m.customer_id = {t}.customer_id AND m.client IS NOT NULL"
)

_REVENUE_SQL = (
    "SELECT m.client AS client, c.currency AS currency, SUM(c.amount - CASE WHEN COALESCE(r.refunded, 0) > "
    "c.amount_refunded THEN r.refunded ELSE c.amount_refunded END) AS net FROM stripe_charge c "
    + _MATCH_JOIN.format(t="c")
    + " LEFT JOIN (SELECT charge_id, SUM(amount) AS refunded FROM stripe_refund WHERE workspace = {} "
    "AND status IN ('succeeded', 'pending') GROUP BY charge_id) r ON r.charge_id = c.stripe_id "
    "WHERE c.workspace = {} AND c.paid = {} AND c.status = 'succeeded'"
)

_INVOICE_SQL = (
    "SELECT m.client AS client, i.currency AS currency, "
    "MAX(CASE WHEN i.status IN ('open', 'paid', 'uncollectible') THEN i.created END) AS last_invoice, "
    "SUM(CASE WHEN i.status = 'open' THEN i.amount_remaining ELSE 0 END) AS open_balance, "
    f"SUM(CASE WHEN {overdue_sql('i')} THEN 1 ELSE 0 END) AS overdue_count, "
    f"SUM(CASE WHEN {overdue_sql('i')} THEN i.amount_remaining ELSE 0 END) "
    "AS overdue_amount FROM stripe_invoice i " + _MATCH_JOIN.format(t="i") + " WHERE i.workspace = {}"
)

# Each client's oldest overdue invoice, for its badge: one row per client, picked by the database.
_OLDEST_OVERDUE_SQL = (
    "SELECT client, collection_method, counts_from, next_payment_attempt FROM (SELECT m.client AS client, "
    f"i.collection_method AS collection_method, {counts_from_sql('i')} AS counts_from, "
    "i.next_payment_attempt AS next_payment_attempt, "
    f"ROW_NUMBER() OVER (PARTITION BY m.client ORDER BY {counts_from_sql('i')}, i.stripe_id) AS position "
    "FROM stripe_invoice i " + _MATCH_JOIN.format(t="i") + f" WHERE i.workspace = {{}} AND {overdue_sql('i')}"
)

_SUBSCRIPTION_SQL = (
    "SELECT m.client AS client, s.currency AS currency, s.raw AS raw FROM stripe_subscription s "
    + _MATCH_JOIN.format(t="s")
    + " WHERE s.workspace = {} AND s.status IN ('active', 'past_due')"
)


async def client_insights(
    workspace_id: int, tz_name: str, currency: str, client_ids: list[int] | None = None, now: datetime | None = None
) -> dict[int, ClientInsight]:
    """Money facts for some (or all, when `client_ids` is None) clients of a workspace, in three grouped queries.

    Args:
        workspace_id: whose data to read; nothing of another workspace is ever joined.
        tz_name: the workspace's time zone, which decides what "today" and "overdue" mean.
        currency: the workspace currency every amount is converted into.
        client_ids: restrict to these clients (a page of the list), or None for all.
        now: the current instant (tests pass one to check midnight edges).

    Returns:
        client id -> ClientInsight, only for clients with some Stripe data.
    """
    cutoff = start_of_day(today_in(tz_name, now), tz_name)
    where, ids = _client_filter(client_ids, "m.client")
    per_client: dict[int, dict[str, dict[str, int]]] = {}  # client -> measure -> currency -> minor units
    result: dict[int, ClientInsight] = {}

    def insight(client_id: int) -> ClientInsight:
        if client_id not in result:
            result[client_id] = ClientInsight(client_id=client_id, currency=currency, has_data=True)
        return result[client_id]

    def add(client_id: int, measure: str, cur: str, amount: object) -> None:
        bucket = per_client.setdefault(client_id, {}).setdefault(measure, {})
        bucket[cur] = bucket.get(cur, 0) + int(amount or 0)

    sql = _REVENUE_SQL + where + " GROUP BY m.client, c.currency"
    for row in await run_sql(sql, workspace_id, workspace_id, True, *ids):
        insight(row["client"])
        add(row["client"], "revenue", row["currency"], row["net"])
    sql = _INVOICE_SQL + where + " GROUP BY m.client, i.currency"
    for row in await run_sql(sql, cutoff, cutoff, workspace_id, *ids):
        item = insight(row["client"])
        add(row["client"], "open", row["currency"], row["open_balance"])
        add(row["client"], "overdue", row["currency"], row["overdue_amount"])
        item.overdue_count += int(row["overdue_count"] or 0)
        last = _moment(row["last_invoice"])
        if last and (item.last_invoice_at is None or last > item.last_invoice_at):
            item.last_invoice_at = last
    for row in await run_sql(_OLDEST_OVERDUE_SQL + where + ") oldest WHERE position = 1", workspace_id, cutoff, *ids):
        item = insight(row["client"])
        item.lateness = lateness(
            row["collection_method"], _moment(row["counts_from"]), _moment(row["next_payment_attempt"]), tz_name, now
        )
    at = now or utcnow()
    for row in await run_sql(_SUBSCRIPTION_SQL + where, workspace_id, *ids):
        insight(row["client"])
        add(row["client"], "mrr", row["currency"], mrr.monthly_amount(_loaded(row["raw"]), at))
    for client_id, measures in per_client.items():
        item = result[client_id]
        for measure, attribute in (
            ("revenue", "lifetime_revenue"),
            ("open", "open_balance"),
            ("overdue", "overdue_amount"),
            ("mrr", "mrr"),
        ):
            total, unknown = fx.total_in(measures.get(measure, {}), currency)
            setattr(item, attribute, total)
            item.unconverted |= unknown
    return result


@dataclass
class SummaryCard:
    """The post-connection card: "We found X invoices, matched Y to clients"."""

    account_id: str
    invoices: int
    matched_invoices: int
    unmatched_customers: int
    syncing: bool
    visible: bool


async def _summary_account(workspace_id: int) -> str:
    """The connected account, else the last one ever linked (its data stays after a disconnect)."""
    from app.integrations.tables import ConnectionStatus, StripeConnection  # noqa: PLC0415 (avoid an import cycle)

    rows = (
        await StripeConnection.select(StripeConnection.stripe_account_id, StripeConnection.status)
        .where(StripeConnection.workspace == workspace_id)
        .order_by(StripeConnection.id, ascending=False)
    )
    connected = [r for r in rows if r["status"] == ConnectionStatus.connected.value]
    return (connected or rows or [{"stripe_account_id": ""}])[0]["stripe_account_id"]


async def summary_card(workspace_id: int, account_id: str | None = None) -> SummaryCard | None:
    """X (invoices of the account), Y (invoices of matched customers), and whether to show the card.

    The card shows once a sync has data and stays until dismissed; a sync that finishes after the dismissal brings it
    back with the new numbers.

    Returns:
        None when no Stripe account was ever linked to the workspace.
    """
    from app.stripe_data.review import unmatched_count  # noqa: PLC0415 (review builds on insights)
    from app.stripe_data.tables import CustomerMatch, StripeInvoice, SyncCheckpoint, SyncRun, SyncStatus  # noqa: PLC0415

    account_id = account_id or await _summary_account(workspace_id)
    if not account_id:
        return None
    scope = (StripeInvoice.workspace == workspace_id) & (StripeInvoice.account_id == account_id)
    invoices = await StripeInvoice.count().where(scope)
    matched_customers = CustomerMatch.select(CustomerMatch.customer_id).where(
        (CustomerMatch.workspace == workspace_id)
        & (CustomerMatch.account_id == account_id)
        & CustomerMatch.client.is_not_null()
    )
    matched = await StripeInvoice.count().where(scope & StripeInvoice.customer_id.is_in(matched_customers))
    runs = SyncRun.select(SyncRun.status, SyncRun.finished_at).where(
        (SyncRun.workspace == workspace_id) & (SyncRun.account_id == account_id)
    )
    syncing = bool(await runs.where(SyncRun.status.is_in([SyncStatus.queued.value, SyncStatus.running.value])).first())
    last_done = (
        await SyncRun.select(SyncRun.finished_at)
        .where(
            (SyncRun.workspace == workspace_id) & (SyncRun.account_id == account_id) & SyncRun.finished_at.is_not_null()
        )
        .order_by(SyncRun.finished_at, ascending=False)
        .first()
    )
    checkpoint = (
        await SyncCheckpoint.select(SyncCheckpoint.summary_dismissed_at)
        .where((SyncCheckpoint.workspace == workspace_id) & (SyncCheckpoint.account_id == account_id))
        .first()
    )
    dismissed = checkpoint["summary_dismissed_at"] if checkpoint else None
    finished = last_done["finished_at"] if last_done else None
    visible = invoices > 0 and (dismissed is None or (finished is not None and finished > dismissed))
    return SummaryCard(
        account_id=account_id,
        invoices=invoices,
        matched_invoices=matched,
        unmatched_customers=await unmatched_count(workspace_id),
        syncing=syncing,
        visible=visible,
    )


async def dismiss_summary(workspace_id: int, account_id: str) -> None:
    """Hide the summary card until the next sync of this account finishes."""
    from app.stripe_data.tables import SyncCheckpoint  # noqa: PLC0415

    now = utcnow()
    updated = (
        await SyncCheckpoint.update({SyncCheckpoint.summary_dismissed_at: now})
        .where((SyncCheckpoint.workspace == workspace_id) & (SyncCheckpoint.account_id == account_id))
        .returning(SyncCheckpoint.id)
    )
    if not updated:
        # The sync usually creates the checkpoint; if it hasn't yet, ours must not clash with it (unique key).
        await SyncCheckpoint.insert(
            SyncCheckpoint(workspace=workspace_id, account_id=account_id, summary_dismissed_at=now)
        ).on_conflict(
            target=(SyncCheckpoint.workspace, SyncCheckpoint.account_id),
            action="DO UPDATE",
            values=[SyncCheckpoint.summary_dismissed_at],
        )


def stripe_invoice_url(account_id: str, invoice_id: str, livemode: bool) -> str:
    """The invoice in the agency's Stripe dashboard (test-mode objects live under /test/)."""
    return f"https://dashboard.stripe.com/{account_id}/{'' if livemode else 'test/'}invoices/{invoice_id}"


async def client_invoices(workspace_id: int, client_id: int, limit: int = 100) -> list[dict]:
    """The newest invoices of a client's matched customers, each with a link into Stripe's dashboard.

    Args:
        workspace_id: the client's workspace (the caller has already checked the client belongs to it).
        client_id: whose invoices.
        limit: at most this many, newest first.
    """
    from app.integrations.tables import StripeConnection  # noqa: PLC0415
    from app.stripe_data.tables import CustomerMatch, StripeInvoice  # noqa: PLC0415

    matches = await CustomerMatch.select(CustomerMatch.account_id, CustomerMatch.customer_id).where(
        (CustomerMatch.workspace == workspace_id) & (CustomerMatch.client == client_id)
    )
    if not matches:
        return []
    livemode = {
        r["stripe_account_id"]: r["livemode"]
        for r in await StripeConnection.select(StripeConnection.stripe_account_id, StripeConnection.livemode).where(
            StripeConnection.workspace == workspace_id
        )
    }
    pairs = {(m["account_id"], m["customer_id"]) for m in matches}
    rows = (
        await StripeInvoice.select(
            StripeInvoice.stripe_id,
            StripeInvoice.account_id,
            StripeInvoice.customer_id,
            StripeInvoice.number,
            StripeInvoice.status,
            StripeInvoice.currency,
            StripeInvoice.total,
            StripeInvoice.amount_paid,
            StripeInvoice.amount_remaining,
            StripeInvoice.created,
            StripeInvoice.due_date,
        )
        .where(
            (StripeInvoice.workspace == workspace_id)
            & StripeInvoice.customer_id.is_in(sorted({c for _, c in pairs}))
            & (StripeInvoice.status != "draft")
        )
        .order_by(StripeInvoice.created, ascending=False)
        .limit(limit)
    )
    invoices = [row for row in rows if (row["account_id"], row["customer_id"]) in pairs]
    for row in invoices:
        row["url"] = stripe_invoice_url(row["account_id"], row["stripe_id"], bool(livemode.get(row["account_id"])))
    return invoices
