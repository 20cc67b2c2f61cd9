"""What one workspace's Monday Brief says this week, gathered from the services the pages use (no figure is
recomputed here): the dashboard's overview (overdue clients, MRR and its 30-day change, quietly cancelling clients,
upsell opportunities), the MRR history valued a week ago (the week's change, and who churned in it), and the Stripe
card's sync facts (last successful sync, a stopped sync's error, partial objects).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from app.brief.links import link
from app.clients.tables import Client
from app.core.formatting import money_in
from app.integrations.services import current_connection
from app.integrations.tables import StripeConnection
from app.revenue.dashboard import Listed, overview
from app.revenue.services import ClientKey, loaded_json, mrr_history
from app.stripe_data import partials as stripe_partials
from app.stripe_data.overdue import today_in
from app.stripe_data.progress import sync_view
from app.stripe_data.sync import catchup_every
from app.stripe_data.tables import StripeCustomer, SyncRun, SyncStatus
from app.workspaces.tables import Workspace

WEEK = timedelta(days=7)
TREND_MONTHS = 6  # month ends in the brief's MRR table, before "now"
CHURN_RULE = "Churned"


def percent_change(before: int, after: int) -> Decimal | None:
    """The change from `before` to `after` in percent, to one decimal (None when there was nothing before)."""
    if not before:
        return None
    return (Decimal(after - before) * 100 / before).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Change:
    """MRR now against an earlier moment."""

    before: int
    now: int

    @property
    def amount(self) -> int:
        return self.now - self.before

    @property
    def percent(self) -> Decimal | None:
        return percent_change(self.before, self.now)


@dataclass(frozen=True)
class OverdueAlert:
    """ "This client's invoice is N days overdue": the client's oldest overdue invoice, and what all of them add to."""

    name: str
    url: str
    amount: int
    invoices: int
    days: int
    since: date  # the due date, or when a failed automatic payment was due, in the workspace's time zone
    failed_payment: bool
    badge: str  # the clients page's words for it ("Invoice 5 days overdue", "Payment failed 2 days ago")


@dataclass(frozen=True)
class Flagged:
    """A client in the churn, cancelling or upsell list, with the rule that fired and its sentence."""

    name: str
    url: str
    rule: str
    reason: str
    matched: bool = True  # False: a Stripe customer not yet matched to a client (the link goes to the review)


@dataclass(frozen=True)
class TrendPoint:
    label: str
    mrr: int


@dataclass(frozen=True)
class Partial:
    object_type: str
    stripe_id: str
    text: str


@dataclass(frozen=True)
class SyncHealth:
    """The Stripe card's facts about syncing, and where to act on them."""

    account_name: str
    last_success: datetime | None
    error: str = ""  # the latest sync stopped with this (the owner's words, stored by the sync)
    paused_reason: str = ""
    partial_count: int = 0
    partials: tuple[Partial, ...] = ()
    retry_every: str = ""
    url: str = ""

    @property
    def has_problem(self) -> bool:
        return bool(self.error or self.paused_reason or self.partial_count or self.last_success is None)


@dataclass(frozen=True)
class BriefContent:
    """Everything one workspace's brief says in the week of `now`; amounts in minor units of `currency`."""

    workspace_name: str
    currency: str
    timezone: str
    now: datetime
    week: int
    connected: bool
    dashboard_url: str
    integrations_url: str
    settings_url: str
    disconnected_reason: str = ""  # why the last connection ended, when there is none now
    mrr: int = 0
    week_change: Change | None = None
    month_change: Change | None = None
    trend: tuple[TrendPoint, ...] = ()
    overdue: tuple[OverdueAlert, ...] = ()
    churned: tuple[Flagged, ...] = ()
    cancelling: tuple[Flagged, ...] = ()
    upsell: tuple[Flagged, ...] = ()
    sync: SyncHealth | None = None
    unconverted: frozenset[str] = field(default_factory=frozenset)

    @property
    def nothing_to_say(self) -> bool:
        return not (
            self.overdue or self.churned or self.cancelling or self.upsell or (self.sync and self.sync.has_problem)
        )


def _customer_label(row: dict) -> str:
    # Agencies often leave a customer's name empty and write who it is in its description.
    return row["name"] or str(loaded_json(row["stripe_object"]).get("description") or "")


async def _names(workspace_id: int, keys: set[ClientKey]) -> dict[ClientKey, str]:
    """Client names, and for a customer not matched to any client its name (or description) in Stripe, else its id."""
    ids = [key for key in keys if isinstance(key, int)]
    customers = [str(key).rpartition(":")[2] for key in keys if not isinstance(key, int)]
    clients = (
        await Client.select(Client.id, Client.name).where((Client.workspace == workspace_id) & Client.id.is_in(ids))
        if ids
        else []
    )
    stripe = (
        await StripeCustomer.select(
            StripeCustomer.account_id, StripeCustomer.stripe_id, StripeCustomer.name, StripeCustomer.stripe_object
        ).where((StripeCustomer.workspace == workspace_id) & StripeCustomer.stripe_id.is_in(customers))
        if customers
        else []
    )
    found: dict[ClientKey, str] = {row["id"]: row["name"] for row in clients}
    found |= {f"{row['account_id']}:{row['stripe_id']}": _customer_label(row) for row in stripe}
    return {key: found.get(key) or str(key).rpartition(":")[2] for key in keys}


def _flagged(key: ClientKey, names: dict[ClientKey, str], rule: str, reason: str) -> Flagged:
    if isinstance(key, int):
        return Flagged(names[key], link("clients:show", client_id=key), rule, reason)
    return Flagged(names[key], link("integrations:unmatched"), rule, reason, matched=False)


def _listed(items: list[Listed], names: dict[ClientKey, str]) -> tuple[Flagged, ...]:
    return tuple(_flagged(i.key, names, i.flag.name, i.flag.reason) for i in items)


async def _sync_health(workspace_id: int, connection: StripeConnection) -> SyncHealth:
    account = connection.stripe_account_id
    last_done = (
        await SyncRun.select(SyncRun.finished_at)
        .where(
            (SyncRun.workspace == workspace_id)
            & (SyncRun.account_id == account)
            & (SyncRun.status == SyncStatus.done.value)
        )
        .order_by(SyncRun.finished_at, ascending=False)
        .first()
    )
    latest = await sync_view(workspace_id, account)
    partials = await stripe_partials.summary(workspace_id, account)
    return SyncHealth(
        account_name=connection.account_name or account,
        last_success=last_done["finished_at"] if last_done else None,
        error=latest.run.error if latest is not None and latest.failed else "",
        paused_reason=connection.sync_paused_reason if connection.sync_paused_at else "",
        partial_count=partials.count,
        partials=tuple(Partial(p.object_type, p.stripe_id, p.text) for p in partials.first),
        retry_every=catchup_every(),
        url=link("integrations:index"),
    )


async def _last_connection_reason(workspace_id: int) -> str:
    row = (
        await StripeConnection.select(StripeConnection.status_reason)
        .where(StripeConnection.workspace == workspace_id)
        .order_by(StripeConnection.id, ascending=False)
        .first()
    )
    return row["status_reason"] if row else ""


async def brief_content(workspace: Workspace, now: datetime) -> BriefContent:
    """This week's brief for the workspace; `now` is any aware moment (its week is read in the workspace's zone)."""
    tz, currency = workspace.timezone or "UTC", (workspace.currency or "usd").lower()
    base = BriefContent(
        workspace_name=workspace.name,
        currency=currency,
        timezone=tz,
        now=now,
        week=now.astimezone(ZoneInfo(tz)).isocalendar()[1],
        connected=False,
        dashboard_url=link("dashboard"),
        integrations_url=link("integrations:index"),
        settings_url=link("settings:brief"),
    )
    connection = await current_connection(workspace.id)
    if connection is None:
        return replace(base, disconnected_reason=await _last_connection_reason(workspace.id))
    money = money_in(currency)
    view = await overview(workspace.id, tz, currency, now=now, money=money)
    week = await mrr_history(workspace.id, now, count=0, earlier=now - WEEK)
    churned = sorted(key for key, before in week.earlier.items() if before > 0 and key not in week.clients)
    keys = {i.key for i in [*view.overdue, *view.cancelling, *view.upsell]} | set(churned)
    names = await _names(workspace.id, keys)
    today = today_in(tz, now)
    return replace(
        base,
        connected=True,
        mrr=view.mrr_now,
        week_change=Change(week.earlier_total, view.mrr_now),
        month_change=Change(view.mrr_30_days_ago, view.mrr_now),
        trend=tuple(
            TrendPoint(label, value)
            for label, value in zip(
                view.mrr.labels[-TREND_MONTHS - 1 :], view.mrr.total[-TREND_MONTHS - 1 :], strict=True
            )
        ),
        overdue=tuple(_overdue(i, names, today) for i in view.overdue),
        churned=tuple(
            _flagged(
                key,
                names,
                CHURN_RULE,
                f"Paid {money(week.earlier[key])} a month {WEEK.days} days ago; pays nothing now.",
            )
            for key in sorted(churned, key=lambda key: names[key].lower())
        ),
        cancelling=_listed(view.cancelling, names),
        upsell=_listed(view.upsell, names),
        sync=await _sync_health(workspace.id, connection),
        unconverted=frozenset(view.mrr.unconverted | week.unconverted),
    )


def _overdue(item: Listed, names: dict[ClientKey, str], today: date) -> OverdueAlert:
    insight = item.insight
    lateness = insight.lateness
    return OverdueAlert(
        name=names[item.key],
        url=link("clients:show", client_id=item.key),
        amount=insight.overdue_amount,
        invoices=insight.overdue_count,
        days=lateness.days,
        since=today - timedelta(days=lateness.days),
        failed_payment=lateness.failed_payment,
        badge=lateness.text,
    )
