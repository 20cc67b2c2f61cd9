"""The transactions list: the workspace's ledger entries filtered by kind, client and dates, paged by the database.

Filters arrive as the query string's text and are checked here, so a crafted URL gets a message (422) or, for
another workspace's client, the same 404 as a client that does not exist. Dates are days in the workspace's time
zone; the end day is included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Count, Sum

from app.clients.tables import Client
from app.core.errors import ValidationFailed
from app.core.queries import clamp_page, page_count
from app.credits import ledger
from app.credits.tables import CreditAccount, CreditEntry, EntryKind

PAGE_SIZE = 25
# The client filter lists clients with a credit account; past this many the owner filters from the client's page.
CLIENT_OPTIONS = 500
KIND_LABELS = {
    EntryKind.purchase.value: "Purchase",
    EntryKind.auto_recharge.value: "Auto-recharge",
    EntryKind.refund.value: "Refund",
    EntryKind.usage.value: "Usage",
    EntryKind.adjustment.value: "Adjustment",
}
_ID = re.compile(r"^[0-9]{1,18}$")


@dataclass(frozen=True)
class Filters:
    """What the list shows; every field round-trips through the URL, so a link or a reload keeps the state."""

    kind: str = ""
    client: int | None = None
    start: date | None = None
    end: date | None = None
    page: int = 1

    def query(self, **changes: object) -> str:
        """The query string ("?kind=refund&page=2", or "") with some fields changed; defaults left out."""
        f = replace(self, **changes)
        pairs = (
            ("kind", f.kind),
            ("client", f.client),
            ("start", f.start.isoformat() if f.start else ""),
            ("end", f.end.isoformat() if f.end else ""),
            ("page", f.page if f.page != 1 else ""),
        )
        query = {key: value for key, value in pairs if value}
        return f"?{urlencode(query)}" if query else ""

    @property
    def narrowed(self) -> bool:
        return bool(self.kind or self.client or self.start or self.end)


def _day(text: str, label: str, field_name: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            {field_name: f"Enter the {label} as a date (YYYY-MM-DD)."}, f"Enter the {label} as a date (YYYY-MM-DD)."
        ) from None


async def parse_filters(
    workspace_id: int, *, kind: str = "", client: str = "", start: str = "", end: str = "", page: int = 1
) -> Filters:
    """The filters from the query string's text.

    Raises:
        ValidationFailed: an unknown kind, a date that is not one, or a start after the end.
        NotFound: a client that is not this workspace's.
    """
    kind = (kind or "").strip()
    if kind and kind not in KIND_LABELS:
        raise ValidationFailed({"kind": "Choose a kind from the list."}, "Choose a kind of transaction from the list.")
    client_id = None
    if (client or "").strip():
        if not _ID.match(client.strip()):
            raise ValidationFailed({"client": "Choose a client from the list."}, "Choose a client from the list.")
        client_id = int(client.strip())
        await ledger.client_in_workspace(workspace_id, client_id)
    first, last = _day(start, "start date", "start"), _day(end, "end date", "end")
    if first and last and first > last:
        message = "The start date is after the end date."
        raise ValidationFailed({"start": message}, message)
    return Filters(kind=kind, client=client_id, start=first, end=last, page=max(1, min(page or 1, 100_000)))


def _bounds(day: date, tz: ZoneInfo) -> datetime:
    """The first moment of `day` in the workspace's zone, in UTC (the database's time)."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def _where(workspace_id: int, filters: Filters, tz_name: str) -> Any:
    tz = ZoneInfo(tz_name or "UTC")
    where = CreditEntry.workspace == workspace_id
    if filters.kind:
        where &= CreditEntry.kind == filters.kind
    if filters.client:
        where &= CreditEntry.client == filters.client
    if filters.start:
        where &= CreditEntry.created_at >= _bounds(filters.start, tz)
    if filters.end:
        where &= CreditEntry.created_at < _bounds(filters.end + timedelta(days=1), tz)
    return where


def _select() -> Any:
    return CreditEntry.select(
        *CreditEntry.all_columns(),
        CreditEntry.client.name.as_alias("client_name"),
        CreditEntry.created_by.name.as_alias("by_name"),
        CreditEntry.created_by.email.as_alias("by_email"),
    )


@dataclass(frozen=True)
class KindTotal:
    """What one kind of entry adds up to across every page the filters match (money in one currency)."""

    kind: str
    label: str
    currency: str
    count: int
    credits: int
    amount_minor: int
    fee_minor: int


@dataclass
class ActivityPage:
    filters: Filters
    rows: list[dict]
    total: int
    pages: int
    workspace_has_entries: bool
    totals: list[KindTotal] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=lambda: KIND_LABELS)

    @property
    def first_index(self) -> int:
        return (self.filters.page - 1) * PAGE_SIZE + 1

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.rows) - 1


async def activity(workspace_id: int, filters: Filters, tz_name: str) -> ActivityPage:
    """One page of the filtered entries, newest first, with each client's name and who recorded an adjustment."""
    where = _where(workspace_id, filters, tz_name)
    total = await CreditEntry.count().where(where)
    page = clamp_page(filters.page, total, PAGE_SIZE)
    filters = replace(filters, page=page)
    rows = await (
        _select()
        .where(where)
        .order_by(CreditEntry.created_at, ascending=False)
        .order_by(CreditEntry.id, ascending=False)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    has_any = total > 0 or await CreditEntry.exists().where(CreditEntry.workspace == workspace_id)
    totals = await _totals(where) if total else []
    return ActivityPage(filters, rows, total, page_count(total, PAGE_SIZE), has_any, totals)


async def _totals(where: Any) -> list[KindTotal]:
    """Per kind (and currency), in the list's order of kinds: the count, the credits and the money."""
    rows = await (
        CreditEntry.select(
            CreditEntry.kind,
            CreditEntry.currency,
            Count().as_alias("n"),
            Sum(CreditEntry.credits).as_alias("credits"),
            Sum(CreditEntry.amount_minor).as_alias("amount"),
            Sum(CreditEntry.application_fee_minor).as_alias("fee"),
        )
        .where(where)
        .group_by(CreditEntry.kind, CreditEntry.currency)
    )
    order = list(KIND_LABELS)
    # PostgreSQL sums bigints as numeric (a Decimal): whole numbers all the same.
    found = [
        KindTotal(
            kind=row["kind"],
            label=KIND_LABELS.get(row["kind"], row["kind"]),
            currency=row["currency"] or "usd",
            count=int(row["n"]),
            credits=int(row["credits"] or 0),
            amount_minor=int(row["amount"] or 0),
            fee_minor=int(row["fee"] or 0),
        )
        for row in rows
    ]
    return sorted(found, key=lambda t: (order.index(t.kind) if t.kind in order else len(order), t.currency))


async def matching_entries(workspace_id: int, filters: Filters, tz_name: str) -> list[dict]:
    """Every entry the filters match (all pages), newest first: what the CSV holds."""
    return await (
        _select()
        .where(_where(workspace_id, filters, tz_name))
        .order_by(CreditEntry.created_at, ascending=False)
        .order_by(CreditEntry.id, ascending=False)
    )


async def client_options(workspace_id: int) -> list[dict]:
    """The clients that have credits (an account), by name, for the client filter."""
    return await (
        CreditAccount.select(CreditAccount.client.id.as_alias("id"), CreditAccount.client.name.as_alias("name"))
        .where(CreditAccount.workspace == workspace_id)
        .order_by(CreditAccount.client.name)
        .limit(CLIENT_OPTIONS)
    )


async def credit_state(workspace_id: int, client_id: int) -> dict[str, Any]:
    """The client's balance and below-zero flag, read without creating its account (a look changes nothing)."""
    row = await (
        CreditAccount.select(CreditAccount.balance, CreditAccount.negative_since)
        .where((CreditAccount.workspace == workspace_id) & (CreditAccount.client == client_id))
        .first()
    )
    return row or {"balance": 0, "negative_since": None}


async def client_name(workspace_id: int, client_id: int) -> str:
    """The client's name (NotFound for another workspace's client)."""
    await ledger.client_in_workspace(workspace_id, client_id)
    row = await Client.select(Client.name).where(Client.id == client_id).first()
    return row["name"] if row else ""
