"""What the agency dashboard and a client's revenue panel show, from the workspace's revenue figures.

The figures (MRR history, invoiced revenue, movements, signals) are computed over the whole workspace from one read
of its facts and kept per process until its data changes (app.revenue.cache); a request then reads the cache's key,
the overdue insights and the listed clients' names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from app.clients.tables import Client
from app.revenue import charts
from app.revenue.cache import CHANGE_WINDOW, workspace_revenue
from app.revenue.flags import Flag
from app.revenue.movements import Month, monthly
from app.revenue.services import ClientKey, Series
from app.revenue.signals import ClientSignals
from app.stripe_data.insights import ClientInsight

__all__ = ["CHANGE_WINDOW", "ClientRevenue", "Listed", "Overview", "chart_context", "client_revenue", "overview"]


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
    invoiced: Series
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
    def invoiced_this_month(self) -> int:
        """Paid invoices net of refunds so far this month (the last point of the invoiced series)."""
        return self.invoiced.total[-1] if self.invoiced.points else 0

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
    workspace_id: int,
    tz_name: str,
    currency: str,
    now: datetime | None = None,
    money: Callable[[int], str] = str,
    connected_only: bool = False,
) -> Overview | None:
    """Everything the dashboard shows, for one workspace.

    Args:
        workspace_id: whose data; every query below is scoped to it.
        tz_name: the workspace's time zone (month ends, what "overdue" means today); the figures are computed in the
            workspace's stored one, which callers pass.
        currency: the workspace currency.
        now: the current instant (tests pass one; then nothing is taken from or kept in the cache).
        money: formats minor units of `currency` in the flags' sentences.
        connected_only: return None when the workspace has no live Stripe connection (read with the figures' key,
            so the page learns both in one query).

    Returns:
        The overview, lists sorted by name (overdue: most overdue first); None only with `connected_only`.
    """
    revenue = await workspace_revenue(workspace_id, now, money, connected_only)
    if revenue is None:
        return None
    mrr, signals, months = revenue.mrr, revenue.signals, revenue.months
    overdue = sorted(
        (i for i in revenue.insights.values() if i.overdue), key=lambda i: (-i.days_overdue, -i.overdue_amount)
    )
    names = await _names(workspace_id, set(signals) | {i.client_id for i in overdue})
    out = Overview(
        currency=currency,
        mrr=mrr,
        invoiced=revenue.invoiced,
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
    invoiced: list[int]  # paid invoices net of refunds per month, beside `values` (MRR)
    months: list[Month]
    signals: ClientSignals
    trend: charts.Chart

    @property
    def has_history(self) -> bool:
        return any(self.values) or any(self.invoiced)


async def client_revenue(
    workspace_id: int, client_id: int, now: datetime | None = None, money: Callable[[int], str] = str
) -> ClientRevenue:
    """One client's MRR history, invoiced revenue, movements and flags (the caller has checked the client is in the
    workspace).

    The figures are the workspace's (app.revenue.cache: computed in one pass, shared with the dashboard and kept
    until the data changes); this keeps the client's share.
    """
    revenue = await workspace_revenue(workspace_id, now, money)
    mrr = revenue.mrr
    signals = revenue.signals.get(client_id, ClientSignals())
    values = mrr.clients.get(client_id, [0] * len(mrr.points))
    return ClientRevenue(
        labels=mrr.labels,
        values=values,
        invoiced=revenue.invoiced.clients.get(client_id, [0] * len(revenue.invoiced.points)),
        months=monthly(mrr.labels, {client_id: values}),
        signals=signals,
        trend=charts.trend(mrr.labels, values),
    )


def chart_context() -> dict:
    """What the chart partials need besides the data: movement kinds in stacking order."""
    return {"kinds": charts.KINDS}
