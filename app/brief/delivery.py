"""When the Monday Brief goes, and that it goes exactly once per person, workspace and ISO week.

A brief is due from Monday 08:00 in the workspace's time zone until the end of Tuesday there. Every few minutes
the sweep (tasks.brief) claims each due brief by inserting its BriefDelivery row, and only the sender whose insert
went in composes and sends it; the unique key turns every other attempt (a rerun, a restart, a second consumer)
into a no-op. A brief is marked sent once SMTP accepted it, or, without SMTP_URL (the demo), once the outbox holds
it, since the outbox is then the mail. A failed send is tried again after 5, 15, 45 ... minutes, each retry
claimed with a conditional update so that only one sender makes it; a claim whose sender died is taken over after
LEASE. What has not gone by the end of Tuesday is dropped and logged at WARNING (`python -m app brief-status`).

The one gap left is the moment between SMTP accepting a brief and the row saying so: a sender killed exactly
there leaves a claim that is retried after LEASE. The retry reuses the brief's outbox row and checks it first: when
the mail seam had marked it sent, the brief is marked sent without sending it again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.brief.compose import Contents, iso_week, member, personal_brief
from app.brief.recipients import recipients
from app.brief.tables import BriefDelivery, BriefOptOut, DeliveryStatus
from app.brief.unsubscribe import unsubscribe_headers, unsubscribe_url
from app.core import mail
from app.core.connections import held, reconnect_if_lost, together
from app.core.tables import OutboxMessage
from app.settings import get_settings
from app.workspaces.tables import Membership, Workspace

log = logging.getLogger(__name__)

SEND_AT = time(8, 0)  # Monday, in the workspace's time zone
LAST_DAY = 1  # Tuesday (weekday index): a brief that has not gone by its end is dropped
LEASE = timedelta(minutes=15)  # a claim older than this lost its sender (killed mid-send) and is taken over
FIRST_RETRY = timedelta(minutes=5)
RETRY_FACTOR = 3  # 5, 15, 45, 135 ... minutes
ERROR_LENGTH = 500
# Workspaces sent at once in a sweep: most of a brief's time is waiting (the database, the SMTP server), and a
# Monday 08:00 brings every workspace of a time zone due together (1,000 in the benchmark, under 60 s). On
# PostgreSQL each sender holds one connection for the sweep (app.core.connections).
SENDERS = 8


@dataclass
class Sweep:
    """What one sweep did, by outcome (the periodic task returns it; tests read it)."""

    sent: list[tuple[int, int]] = field(default_factory=list)  # (workspace id, user id)
    skipped: list[tuple[int, int]] = field(default_factory=list)
    failed: list[tuple[int, int]] = field(default_factory=list)
    dropped: int = 0

    def add(self, outcome: str, key: tuple[int, int]) -> None:
        getattr(self, outcome).append(key)

    def counts(self) -> dict[str, int]:
        return {
            "sent": len(self.sent),
            "skipped": len(self.skipped),
            "failed": len(self.failed),
            "dropped": self.dropped,
        }


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # the setting is validated on save; an old bad value must not stop everyone's brief


def window(local_now: datetime) -> tuple[datetime, datetime]:
    """(Monday 08:00, the end of Tuesday) of local_now's ISO week, in local_now's time zone."""
    monday = local_now.date() - timedelta(days=local_now.weekday())
    tz = local_now.tzinfo
    return (
        datetime.combine(monday, SEND_AT, tzinfo=tz),
        datetime.combine(monday + timedelta(days=LAST_DAY + 1), time(0), tzinfo=tz),
    )


def backoff(attempts: int) -> timedelta:
    """How long after its `attempts`-th failed attempt a brief is tried again."""
    return FIRST_RETRY * RETRY_FACTOR ** (attempts - 1)


def _describe(exc: BaseException) -> str:
    # SMTP replies and socket errors name no secret (SMTP_URL's password never appears in them).
    return f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]


async def due_workspaces(now: datetime) -> list[tuple[int, datetime]]:
    """(workspace id, its local time) of every workspace inside its brief window at `now`."""
    due = []
    for row in await Workspace.select(Workspace.id, Workspace.timezone).order_by(Workspace.id):
        local_now = now.astimezone(zone(row["timezone"]))
        start, deadline = window(local_now)
        if start <= local_now < deadline:
            due.append((row["id"], local_now))
    return due


async def _claim(workspace_id: int, user_id: int, local_now: datetime) -> int | None:
    """Insert the delivery row; its id when this caller won the claim, None when someone else holds it."""
    year, week = iso_week(local_now)
    now = local_now.astimezone(UTC)
    rows = (
        await BriefDelivery.insert(
            BriefDelivery(
                workspace=workspace_id,
                user=user_id,
                iso_year=year,
                iso_week=week,
                status=DeliveryStatus.claimed.value,
                attempts=1,
                claimed_at=now,
                deadline_at=window(local_now)[1].astimezone(UTC),
                created_at=now,
            )
        )
        .on_conflict(action="DO NOTHING")
        .returning(BriefDelivery.id)
    )
    return rows[0]["id"] if rows else None


async def _finish(delivery_id: int, status: DeliveryStatus, now: datetime, **values: object) -> None:
    changes = {BriefDelivery.status: status.value, **{getattr(BriefDelivery, k): v for k, v in values.items()}}
    if status is DeliveryStatus.sent:
        changes[BriefDelivery.sent_at] = now
    await BriefDelivery.update(changes).where(BriefDelivery.id == delivery_id)


async def _accepted_before(outbox_id: int | None) -> bool:
    if outbox_id is None:
        return False
    row = await OutboxMessage.select(OutboxMessage.sent_at).where(OutboxMessage.id == outbox_id).first()
    return row is not None and row["sent_at"] is not None


async def _compose(
    workspace_id: int, user_id: int, local_now: datetime, contents: Contents, person: dict | None
) -> mail.Email | None:
    """The person's brief, from the workspace's content of this sweep; None when they get none (see personal_brief).

    Args:
        person: their role and email, read with the recipients just before the claim; None (a retry) reads them.
    """
    person = person or await member(workspace_id, user_id)
    content = await contents.get(workspace_id, local_now) if person is not None else None
    if person is None or content is None:
        return None
    return personal_brief(
        content, person["role"], person["email"], workspace_id, unsubscribe_url(workspace_id, user_id)
    )


async def _attempt(
    delivery_id: int,
    workspace_id: int,
    user_id: int,
    local_now: datetime,
    attempts: int,
    outbox_id: int | None,
    contents: Contents,
    person: dict | None = None,
) -> str:
    """Compose (once), record and send one claimed brief; returns the outcome: sent, skipped or failed."""
    now = local_now.astimezone(UTC)
    try:
        if await _accepted_before(outbox_id):
            await _finish(delivery_id, DeliveryStatus.sent, now, last_error="")
            return "sent"
        if outbox_id is None:
            email = await _compose(workspace_id, user_id, local_now, contents, person)
            if email is None:
                await _finish(delivery_id, DeliveryStatus.skipped, now)
                return "skipped"
            # Together: a retry finds the email it must send again, and never a second copy of it.
            async with together():
                outbox_id = (await mail.record_email(email)).id
                await BriefDelivery.update({BriefDelivery.outbox_id: outbox_id}).where(BriefDelivery.id == delivery_id)
        if get_settings().smtp_url and not await mail.deliver(outbox_id, unsubscribe_headers(workspace_id, user_id)):
            raise LookupError(f"outbox message {outbox_id} is gone")
    except Exception as exc:  # noqa: BLE001 - SMTP or not, one bad brief must not stop the others; it is retried
        retry_at = now + backoff(attempts)
        log.warning(
            "brief not sent workspace_id=%s user_id=%s attempt=%s retry_at=%s: %s",
            workspace_id,
            user_id,
            attempts,
            retry_at.isoformat(),
            _describe(exc),
        )
        # Only while this attempt still holds the claim: a taken-over claim's newer attempt owns the row now.
        await BriefDelivery.update(
            {
                BriefDelivery.status: DeliveryStatus.failed.value,
                BriefDelivery.next_attempt_at: retry_at,
                BriefDelivery.last_error: _describe(exc),
            }
        ).where(
            (BriefDelivery.id == delivery_id)
            & (BriefDelivery.status == DeliveryStatus.claimed.value)
            & (BriefDelivery.attempts == attempts)
        )
        return "failed"
    await _finish(delivery_id, DeliveryStatus.sent, now, last_error="")
    return "sent"


async def _owed(due: list[tuple[int, datetime]]) -> list[tuple[int, datetime, set[int]]]:
    """The due workspaces with a recipient who has no delivery row this week, each with the members who have one.

    Two queries for the whole sweep: after Monday's first sweep, the next five hundred until Tuesday's end find
    every brief claimed, and must not cost queries per workspace.
    """
    if not due:
        return []
    weeks = {iso_week(local_now) for _, local_now in due}
    started: dict[tuple[int, int, int], set[int]] = {}
    rows = await BriefDelivery.select(
        BriefDelivery.workspace, BriefDelivery.user, BriefDelivery.iso_year, BriefDelivery.iso_week
    ).where(BriefDelivery.iso_year.is_in([y for y, _ in weeks]) & BriefDelivery.iso_week.is_in([w for _, w in weeks]))
    for row in rows:
        started.setdefault((row["workspace"], row["iso_year"], row["iso_week"]), set()).add(row["user"])
    members: dict[int, set[int]] = {}
    for row in await Membership.select(Membership.workspace, Membership.user):
        members.setdefault(row["workspace"], set()).add(row["user"])
    for row in await BriefOptOut.select(BriefOptOut.workspace, BriefOptOut.user):
        members.get(row["workspace"], set()).discard(row["user"])
    owed = []
    for workspace_id, local_now in due:
        done = started.get((workspace_id, *iso_week(local_now)), set())
        if members.get(workspace_id, set()) - done:
            owed.append((workspace_id, local_now, done))
    return owed


async def send_workspace(
    workspace_id: int,
    local_now: datetime,
    sweep: Sweep | None = None,
    done: set[int] | None = None,
    contents: Contents | None = None,
) -> Sweep:
    """Claim and send the brief of every recipient of the workspace who has no delivery row this week yet.

    Args:
        done: the members known to have a row already (they are skipped without a claim attempt).
        contents: the sweep's gathered content (the workspace's is gathered once for all its members).
    """
    sweep, contents = sweep or Sweep(), contents or Contents()
    for person in await recipients(workspace_id):
        if person.user_id in (done or ()):
            continue
        # Claimed before composing, as before sending: of several consumers, only the claim's winner does either.
        delivery_id = await _claim(workspace_id, person.user_id, local_now)
        if delivery_id is not None:
            who = {"role": person.role, "email": person.email}
            outcome = await _attempt(delivery_id, workspace_id, person.user_id, local_now, 1, None, contents, who)
            sweep.add(outcome, (workspace_id, person.user_id))
    return sweep


async def retry_due(now: datetime, sweep: Sweep | None = None, contents: Contents | None = None) -> Sweep:
    """Try again every failed brief whose backoff has passed and every claim whose sender is gone (past LEASE)."""
    sweep, contents = sweep or Sweep(), contents or Contents()
    failed = (BriefDelivery.status == DeliveryStatus.failed.value) & (BriefDelivery.next_attempt_at <= now)
    abandoned = (BriefDelivery.status == DeliveryStatus.claimed.value) & (BriefDelivery.claimed_at < now - LEASE)
    rows = await BriefDelivery.select(
        BriefDelivery.id,
        BriefDelivery.workspace,
        BriefDelivery.user,
        BriefDelivery.status,
        BriefDelivery.attempts,
        BriefDelivery.outbox_id,
        BriefDelivery.workspace.timezone.as_alias("timezone"),
    ).where((failed | abandoned) & (BriefDelivery.deadline_at > now))
    for row in rows:
        # The retry is claimed like the first attempt: of several sweeps seeing this row, one update matches.
        won = (
            await BriefDelivery.update(
                {
                    BriefDelivery.status: DeliveryStatus.claimed.value,
                    BriefDelivery.attempts: row["attempts"] + 1,
                    BriefDelivery.claimed_at: now,
                }
            )
            .where(
                (BriefDelivery.id == row["id"])
                & (BriefDelivery.status == row["status"])
                & (BriefDelivery.attempts == row["attempts"])
            )
            .returning(BriefDelivery.id)
        )
        if won:
            local_now = now.astimezone(zone(row["timezone"]))
            outcome = await _attempt(
                row["id"], row["workspace"], row["user"], local_now, row["attempts"] + 1, row["outbox_id"], contents
            )
            sweep.add(outcome, (row["workspace"], row["user"]))
    return sweep


async def drop_overdue(now: datetime) -> int:
    """Drop every brief still owed past the end of its Tuesday; each drop is logged at WARNING."""
    owed = (BriefDelivery.status == DeliveryStatus.failed.value) | (
        # A claim inside its lease may be mid-send: it is dropped on a later sweep if it never finishes.
        (BriefDelivery.status == DeliveryStatus.claimed.value) & (BriefDelivery.claimed_at < now - LEASE)
    )
    dropped = (
        await BriefDelivery.update({BriefDelivery.status: DeliveryStatus.dropped.value})
        .where(owed & (BriefDelivery.deadline_at <= now))
        .returning(BriefDelivery.workspace, BriefDelivery.user, BriefDelivery.attempts, BriefDelivery.last_error)
    )
    for row in dropped:
        log.warning(
            "brief dropped workspace_id=%s user_id=%s attempts=%s last_error=%s",
            row["workspace"],
            row["user"],
            row["attempts"],
            row["last_error"] or "none",
        )
    return len(dropped)


async def send_due(now: datetime) -> Sweep:
    """One sweep: drop what is past its Tuesday, send what is newly due, and retry what failed."""
    async with held():
        sweep, contents = Sweep(dropped=await drop_overdue(now)), Contents()
        owed = await _owed(await due_workspaces(now))
        pending, errors = iter(owed), []

        async def sender() -> None:
            # Each sender is a task of its own, so its held connection is its own (see app.core.connections).
            async with held():
                for workspace_id, local_now, done in pending:  # shared: each workspace goes to one sender
                    try:
                        await reconnect_if_lost()
                        await send_workspace(workspace_id, local_now, sweep, done, contents)
                    except Exception as exc:  # noqa: BLE001 - raised below, once every workspace had its turn
                        errors.append(exc)

        # No more senders than workspaces: the five hundred sweeps that find nothing owed open no connection for it.
        await asyncio.gather(*(sender() for _ in range(min(SENDERS, len(owed)))))
        # Every workspace had its turn before the first error is raised: one broken workspace delays no one else's.
        if errors:
            raise errors[0]
        await retry_due(now, sweep, contents)
        return sweep


@dataclass(frozen=True)
class WeekStatus:
    """A week's deliveries for operators: how many in each status, and each dropped or failing one."""

    iso_year: int
    iso_week: int
    counts: dict[str, int]
    problems: list[dict]


async def week_status(when: date) -> WeekStatus:
    """The deliveries of the ISO week that contains `when`."""
    year, week, _ = when.isocalendar()
    this_week = (BriefDelivery.iso_year == year) & (BriefDelivery.iso_week == week)
    rows = await BriefDelivery.select(BriefDelivery.status).where(this_week)
    counts = {status.value: 0 for status in DeliveryStatus}
    for row in rows:
        counts[row["status"]] += 1
    problems = await (
        BriefDelivery.select(
            BriefDelivery.workspace.as_alias("workspace_id"),
            BriefDelivery.user.as_alias("user_id"),
            BriefDelivery.status,
            BriefDelivery.attempts,
            BriefDelivery.last_error,
        )
        .where(this_week & BriefDelivery.status.is_in([DeliveryStatus.dropped.value, DeliveryStatus.failed.value]))
        .order_by(BriefDelivery.workspace)
        .order_by(BriefDelivery.user)
    )
    return WeekStatus(year, week, counts, problems)
