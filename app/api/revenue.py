"""What the JSON API reads from the revenue engine: the MRR series, the monthly movements, and the flags.

Every figure is the revenue services' own (app.revenue.services, app.revenue.movements, app.revenue.signals), the
same calls the dashboard and the CSV exports make; this module only shapes them into the API's Structs. The series
are fixed (24 month ends and now) and not paginated. Flags are a Stripe-style list: newest client first, then the
Stripe customers not matched to a client, each client's flags in the rules' order; the cursor is a flag id, read
as a position in that order, so a flag that cleared between two pages does not break the next one.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from app.api import schemas
from app.api.errors import InvalidParameter
from app.api.resources import Page, client_in
from app.core.formatting import money_in
from app.core.timeutil import utcnow
from app.core.validation import MAX_ID
from app.revenue import exports, services
from app.revenue.flags import RULE_NAMES, Flag
from app.revenue.movements import Kind, Month, monthly
from app.revenue.signals import client_signals
from app.workspaces.tables import Workspace

_RULES = list(RULE_NAMES)


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _rate(value: Decimal | None) -> str | None:
    rounded = exports.rate(value)
    return None if rounded is None else format(rounded, "f")


async def _scope(workspace: Workspace, client: int | None) -> int | None:
    return None if client is None else await client_in(workspace, "client", client)


def _values(series: services.Series, client_id: int | None) -> list[int]:
    if client_id is None:
        return series.total
    return series.clients.get(client_id, [0] * len(series.points))


async def mrr_series(
    workspace: Workspace, client: int | None, url: str, now: datetime | None = None
) -> schemas.MrrSeries:
    """The workspace's (or one client's) MRR at each point, with each month's invoiced revenue.

    Raises:
        InvalidParameter: `client` names no client of the workspace (resource_missing).
    """
    client_id = await _scope(workspace, client)
    now = now or utcnow()
    mrr = await services.mrr_history(workspace.id, now)
    invoiced = await services.invoiced_revenue(workspace.id, now)
    points = [
        schemas.MrrPoint(
            label=point.label, measured_at=_unix(point.at), current=point.is_now, mrr=value, invoiced_revenue=paid
        )
        for point, value, paid in zip(mrr.points, _values(mrr, client_id), _values(invoiced, client_id), strict=True)
    ]
    return schemas.MrrSeries(
        object="mrr_series",
        client=client_id,
        currency=mrr.currency,
        unconverted_currencies=sorted(mrr.unconverted | invoiced.unconverted),
        data=points,
        url=url,
    )


def _month(month: Month, measured_at: datetime, current: bool) -> schemas.MovementMonth:
    return schemas.MovementMonth(
        label=month.label,
        measured_at=_unix(measured_at),
        current=current,
        mrr_at_start=month.mrr_at_start,
        new_mrr=month.amount(Kind.new),
        expansion_mrr=month.amount(Kind.expansion),
        contraction_mrr=month.amount(Kind.contraction),
        churn_mrr=month.amount(Kind.churn),
        reactivation_mrr=month.amount(Kind.reactivation),
        net_change=month.net_change,
        mrr_at_end=month.mrr_at_end,
        paying_clients_at_start=month.paying_at_start,
        churned_clients=month.count(Kind.churn),
        logo_churn_rate=_rate(month.logo_churn),
        revenue_churn_rate=_rate(month.revenue_churn),
        net_revenue_retention=_rate(month.net_revenue_retention),
    )


async def movement_series(
    workspace: Workspace, client: int | None, url: str, now: datetime | None = None
) -> schemas.MovementSeries:
    """Each month's MRR movements and rates, for the workspace or one client (as the client's page shows them).

    Raises:
        InvalidParameter: `client` names no client of the workspace (resource_missing).
    """
    client_id = await _scope(workspace, client)
    mrr = await services.mrr_history(workspace.id, now or utcnow())
    clients = mrr.clients if client_id is None else {client_id: _values(mrr, client_id)}
    months = monthly(mrr.labels, clients)
    ends = mrr.points[1:]
    return schemas.MovementSeries(
        object="mrr_movements",
        client=client_id,
        currency=mrr.currency,
        unconverted_currencies=sorted(mrr.unconverted),
        data=[_month(month, end.at, end.is_now) for month, end in zip(months, ends, strict=True)],
        url=url,
    )


@dataclass(frozen=True)
class FlagFilters:
    client: int | None = None
    kind: str | None = None


def _order(key: Hashable, rule: str) -> tuple:
    """Where a flag sits in the list: matched clients newest (highest id) first, then unmatched customers."""
    if isinstance(key, int):
        return (0, -key, "", _RULES.index(rule))
    return (1, 0, str(key), _RULES.index(rule))


def _cursor(value: str) -> tuple:
    """A flag id read back into its place in the order; one that could not be a flag id names nothing."""
    key, _, rule = value.rpartition(":")
    if rule not in RULE_NAMES or not key:
        raise InvalidParameter("starting_after", f"No such flag: '{value}'.", code="resource_missing")
    if key.isascii() and key.isdigit():
        if not 1 <= int(key) <= MAX_ID:
            raise InvalidParameter("starting_after", f"No such flag: '{value}'.", code="resource_missing")
        return _order(int(key), rule)
    return _order(key, rule)


def _flag(key: Hashable, kind: str, flag: Flag) -> schemas.Flag:
    matched = isinstance(key, int)
    account, _, customer = ("" if matched else str(key)).partition(":")
    return schemas.Flag(
        object="flag",
        id=f"{key}:{flag.rule}",
        client=key if matched else None,
        account=None if matched else account,
        customer=None if matched else customer,
        kind=kind,
        rule=flag.rule,
        message=flag.reason,
        fired_at=_unix(flag.at),
    )


async def list_flags(
    workspace: Workspace, page: Page, filters: FlagFilters, now: datetime | None = None
) -> tuple[list[schemas.Flag], bool]:
    """One page of the workspace's current quietly cancelling flags and upsell opportunities, and whether more follow.

    Raises:
        InvalidParameter: the cursor is no flag id, or `client` names no client of the workspace.
    """
    client_id = await _scope(workspace, filters.client)
    after = None if page.starting_after is None else _cursor(page.starting_after)
    signals = await client_signals(workspace.id, now, money=money_in(workspace.currency))
    rows = []
    for key, found in signals.items():
        if client_id is not None and key != client_id:
            continue
        for kind, fired in (("cancelling", found.cancelling), ("upsell", found.upsell)):
            if filters.kind in (None, kind):
                rows += [(_order(key, flag.rule), key, kind, flag) for flag in fired]
    rows.sort(key=lambda row: row[0])
    if after is not None:
        rows = [row for row in rows if row[0] > after]
    return [_flag(key, kind, flag) for _, key, kind, flag in rows[: page.limit]], len(rows) > page.limit
