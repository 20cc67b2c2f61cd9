"""What the agency dashboard and a client's revenue panel show, computed once per request from the revenue services.

Each figure comes from one service call over the whole workspace (MRR history, signals, overdue insights), so the
page reads each table a handful of times whatever the number of clients.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.clients.tables import Client
from app.core.timeutil import utcnow
from app.revenue import charts
from app.revenue.flags import RULE_NAMES, Flag
from app.revenue.movements import Month, monthly
from app.revenue.services import ClientKey, Series, mrr_history
from app.revenue.signals import ClientSignals, client_signals
from app.stripe_data.insights import ClientInsight, client_insights

CHANGE_WINDOW = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Listed:
    """A client in one of the dashboard's lists: `client_id` None for a Stripe customer not matched to a client."""

    key: ClientKey
    name: str
    client_id: int | None
    flag: Flag | None = None
    insight: ClientInsight | None = None


@dataclass
class Overview:
    currency: str
    mrr: Series
    months: list[Month]
    mrr_30_days_ago: int
    trend: charts.Chart
    movements_chart: charts.Chart
    overdue: list[Listed] = field(default_factory=list)
    cancelling: list[Listed] = field(default_factory=list)
    upsell: list[Listed] = field(default_factory=list)

    @property
    def mrr_now(self) -> int:
        return self.mrr.total[-1] if self.mrr.points else 0

    @property
    def mrr_change(self) -> int:
        return self.mrr_now - self.mrr_30_days_ago

    @property
    def last_month(self) -> Month | None:
        """The last whole month (the one before the current, partial one)."""
        return self.months[-2] if len(self.months) >= 2 else None

    @property
    def has_history(self) -> bool:
        return bool(self.mrr.clients) or bool(self.mrr_30_days_ago)


async def _names(workspace_id: int, keys: set[ClientKey]) -> dict[ClientKey, str]:
    ids = [key for key in keys if isinstance(key, int)]
    rows = (
        await Client.select(Client.id, Client.name).where((Client.workspace == workspace_id) & Client.id.is_in(ids))
        if ids
        else []
    )
    found: dict[ClientKey, str] = {row["id"]: row["name"] for row in rows}
    # An unmatched customer is keyed "account:customer": show the customer id until someone matches it.
    return {key: found.get(key, str(key).rpartition(":")[2]) for key in keys}


def _listed(key: ClientKey, names: dict[ClientKey, str], **extra) -> Listed:
    return Listed(key=key, name=names[key], client_id=key if isinstance(key, int) else None, **extra)


async def overview(
    workspace_id: int, tz_name: str, currency: str, now: datetime | None = None, money: Callable[[int], str] = str
) -> Overview:
    """Everything the dashboard shows, for one workspace.

    Args:
        workspace_id: whose data; every query below is scoped to it.
        tz_name: the workspace's time zone (month ends, what "overdue" means today).
        currency: the workspace currency.
        now: the current instant (tests pass one).
        money: formats minor units of `currency` in the flags' sentences.

    Returns:
        The overview; lists sorted by name (overdue: most overdue first).
    """
    now = now or utcnow()
    mrr = await mrr_history(workspace_id, now, earlier=now - CHANGE_WINDOW)
    signals = await client_signals(workspace_id, now, mrr, money)
    insights = await client_insights(workspace_id, tz_name, currency, now=now)
    overdue = sorted((i for i in insights.values() if i.overdue), key=lambda i: (-i.days_overdue, -i.overdue_amount))
    names = await _names(workspace_id, set(signals) | {i.client_id for i in overdue})
    months = monthly(mrr.labels, mrr.clients)
    out = Overview(
        currency=currency,
        mrr=mrr,
        months=months,
        mrr_30_days_ago=mrr.earlier_total,
        trend=charts.trend(mrr.labels, mrr.total),
        movements_chart=charts.movements(months),
    )
    out.overdue = [_listed(i.client_id, names, insight=i) for i in overdue]
    by_name = sorted(signals.items(), key=lambda item: names[item[0]].lower())
    out.cancelling = [_listed(key, names, flag=s.cancelling[0]) for key, s in by_name if s.cancelling]
    out.upsell = [_listed(key, names, flag=s.upsell[0]) for key, s in by_name if s.upsell]
    return out


@dataclass
class ClientRevenue:
    labels: list[str]
    values: list[int]
    months: list[Month]
    signals: ClientSignals
    trend: charts.Chart

    @property
    def has_history(self) -> bool:
        return any(self.values)


async def client_revenue(
    workspace_id: int, client_id: int, now: datetime | None = None, money: Callable[[int], str] = str
) -> ClientRevenue:
    """One client's MRR history, its movements and its flags (the caller has checked the client is in the workspace).

    The services compute the whole workspace in one pass; this keeps the client's share.
    """
    now = now or utcnow()
    mrr = await mrr_history(workspace_id, now)
    signals = (await client_signals(workspace_id, now, mrr, money)).get(client_id, ClientSignals())
    values = mrr.clients.get(client_id, [0] * len(mrr.points))
    return ClientRevenue(
        labels=mrr.labels,
        values=values,
        months=monthly(mrr.labels, {client_id: values}),
        signals=signals,
        trend=charts.trend(mrr.labels, values),
    )


def chart_context() -> dict:
    """What the chart and flag partials need besides the data: movement kinds in stacking order, rule names."""
    return {"kinds": charts.KINDS, "flag_names": RULE_NAMES}
