"""The Monday Brief goes out at Monday 08:00 in each workspace's time zone, exactly once per person and workspace,
through a real SMTP server on loopback, with the clock frozen (time-machine)."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from datetime import timedelta

import time_machine

from app.brief.delivery import LEASE, backoff, send_due
from app.brief.recipients import set_opt_in
from app.brief.tables import BriefDelivery
from app.core.tables import OutboxMessage
from app.core.timeutil import utcnow
from app.settings import get_settings
from app.workspaces.tables import Membership, Role
from tasks.brief import send_due_briefs
from tests.conftest import Persona, make_persona
from tests.integration.brief_support import connect, deliveries, fx_mailserver, local, set_timezone, unsubscribe_path
from tests.plugins.database import ROOT

__all__ = ["fx_mailserver"]


def sweep_at(moment) -> dict:
    """Run the periodic task's body at a frozen moment, as the consumer's scheduler would."""
    with time_machine.travel(moment, tick=False):
        return send_due_briefs.call_local()


async def _three_zones(alice: Persona, bob: Persona, charlie: Persona) -> Persona:
    """Alice Agency (UTC; alice and bob), Charlie Co (Los Angeles; charlie, and alice too), Dana (Kolkata)."""
    await set_timezone(alice.workspace.id, "UTC")
    await set_timezone(charlie.workspace.id, "America/Los_Angeles")
    # Connected: teammates get a brief only when it has Stripe figures to report.
    await connect(alice.workspace.id)
    await connect(charlie.workspace.id)
    await Membership.insert(
        Membership(workspace=charlie.workspace.id, user=alice.user.id, role=Role.teammate.value, created_at=utcnow())
    )
    dana = await make_persona("dana@dana.in", "Dana Digital")
    await set_timezone(dana.workspace.id, "Asia/Kolkata")
    return dana


async def test_each_workspace_gets_its_briefs_at_monday_0800_in_its_own_time_zone_and_not_an_hour_early(
    alice, bob, charlie, mailserver
):
    dana = await _three_zones(alice, bob, charlie)
    kolkata = {(dana.workspace.id, dana.user.id)}
    utc = {(alice.workspace.id, alice.user.id), (alice.workspace.id, bob.user.id)}
    los_angeles = {(charlie.workspace.id, charlie.user.id), (charlie.workspace.id, alice.user.id)}

    expected: set = set()
    for zone, due in (("Asia/Kolkata", kolkata), ("UTC", utc), ("America/Los_Angeles", los_angeles)):
        sweep_at(local(zone, hour=7))
        assert set(mailserver.briefs()) == expected, f"an hour before 08:00 in {zone}, nothing new goes"
        sweep_at(local(zone, hour=8))
        expected |= due
        assert set(mailserver.briefs()) == expected, f"at 08:00 in {zone}, its workspace's briefs go"

    # One per person per workspace: alice, in two workspaces, got two briefs, each under its workspace.
    assert sorted(mailserver.briefs()) == sorted(expected)
    assert len([to for to in (m["To"] for m in mailserver.messages) if to == alice.user.email]) == 2
    assert {row["status"] for row in (await deliveries()).values()} == {"sent"}


async def test_a_sweep_run_twice_or_four_times_at_once_sends_each_brief_once(alice, bob, charlie, mailserver):
    await _three_zones(alice, bob, charlie)
    moment = local("America/Los_Angeles", day=1, hour=9)  # Tuesday: every workspace's window is open

    first = await send_due(moment)
    second = await send_due(moment)
    await asyncio.gather(*(send_due(moment + timedelta(minutes=5)) for _ in range(4)))

    assert len(first.sent) == 5 and second.counts()["sent"] == 0
    assert sorted(mailserver.briefs()) == sorted(first.sent)
    assert len(mailserver.messages) == 5
    assert await OutboxMessage.count().where(OutboxMessage.kind == "brief") == 5


async def test_concurrent_sweeps_on_a_fresh_week_still_send_each_brief_once(alice, bob, charlie, mailserver):
    await _three_zones(alice, bob, charlie)
    moment = local("UTC", day=1, hour=12)

    sweeps = await asyncio.gather(*(send_due(moment) for _ in range(4)))

    assert sum(len(s.sent) for s in sweeps) == 5
    assert len(mailserver.briefs()) == len(set(mailserver.briefs())) == 5


async def test_someone_who_unsubscribed_gets_no_brief_and_the_rest_of_the_workspace_still_does(alice, bob, mailserver):
    await set_opt_in(alice.workspace.id, bob.user.id, False)

    sweep_at(local("UTC"))

    assert mailserver.briefs() == [(alice.workspace.id, alice.user.id)]
    assert (alice.workspace.id, bob.user.id) not in await deliveries()


async def test_a_teammate_of_a_workspace_without_stripe_gets_none_and_is_not_asked_again_that_week(
    alice, bob, mailserver
):
    sweep_at(local("UTC"))
    sweep_at(local("UTC", hour=9))

    assert mailserver.briefs() == [(alice.workspace.id, alice.user.id)], "the owner's brief invites them to connect"
    assert "connect Stripe" in mailserver.messages[0]["Subject"]
    rows = await deliveries()
    assert rows[(alice.workspace.id, bob.user.id)]["status"] == "skipped"
    assert rows[(alice.workspace.id, bob.user.id)]["outbox_id"] is None


async def test_a_refused_brief_stays_unsent_and_goes_once_after_its_backoff_when_the_server_takes_mail_again(
    alice, mailserver
):
    key = (alice.workspace.id, alice.user.id)
    mailserver.refusing = True
    sweep_at(local("UTC"))

    row = (await deliveries())[key]
    assert (row["status"], row["attempts"], row["sent_at"]) == ("failed", 1, None)
    assert "451" in row["last_error"] and get_settings().smtp_url.split("//")[1] not in row["last_error"]
    assert mailserver.messages == []

    mailserver.refusing = False
    sweep_at(local("UTC") + backoff(1) - timedelta(minutes=1))
    assert mailserver.messages == [] and (await deliveries())[key]["attempts"] == 1, "not before its backoff"

    sweep_at(local("UTC") + backoff(1))
    sweep_at(local("UTC") + backoff(1) + timedelta(minutes=5))

    row = (await deliveries())[key]
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 2, "")
    assert mailserver.briefs() == [key]


async def test_a_brief_whose_server_is_down_is_retried_with_growing_backoff_until_it_is_up(alice, mailserver):
    key = (alice.workspace.id, alice.user.id)
    mailserver.go_down()
    start = local("UTC")
    sweep_at(start)
    sweep_at(start + backoff(1))

    row = (await deliveries())[key]
    assert (row["status"], row["attempts"]) == ("failed", 2)
    assert "Connection refused" in row["last_error"] or "Errno" in row["last_error"]
    assert backoff(2) == 3 * backoff(1)

    mailserver.come_back()
    sweep_at(start + backoff(1) + backoff(2) - timedelta(minutes=1))
    assert mailserver.messages == []
    sweep_at(start + backoff(1) + backoff(2))

    assert mailserver.briefs() == [key]
    assert (await deliveries())[key]["status"] == "sent"


async def test_a_claim_whose_sender_died_is_taken_over_after_the_lease(alice, mailserver):
    start = local("UTC")
    with time_machine.travel(start, tick=False):
        await send_due(start)
    key = (alice.workspace.id, alice.user.id)
    # As a sender killed after claiming leaves it: claimed, nothing sent.
    await BriefDelivery.update({BriefDelivery.status: "claimed", BriefDelivery.sent_at: None}).where(
        BriefDelivery.workspace == alice.workspace.id
    )
    await OutboxMessage.update({OutboxMessage.sent_at: None}).where(OutboxMessage.kind == "brief")
    mailserver.messages.clear()

    await send_due(start + LEASE - timedelta(minutes=1))
    assert mailserver.messages == [], "a claim inside its lease may still be sending"
    await send_due(start + LEASE + timedelta(seconds=1))

    assert mailserver.briefs() == [key]
    assert (await deliveries())[key]["attempts"] == 2
    assert await OutboxMessage.count().where(OutboxMessage.kind == "brief") == 1, "the retry reuses its email"


async def test_a_brief_that_could_not_go_by_tuesdays_end_is_dropped_logged_and_shown_by_brief_status(
    alice, bob, mailserver, caplog
):
    await set_opt_in(alice.workspace.id, bob.user.id, False)
    mailserver.refusing = True
    sweep_at(local("UTC"))
    mailserver.refusing = False

    with caplog.at_level("WARNING", logger="app.brief.delivery"):
        sweep_at(local("UTC", day=2, hour=0))  # Wednesday 00:00: Tuesday is over
        sweep_at(local("UTC", day=2, hour=1))

    row = (await deliveries())[(alice.workspace.id, alice.user.id)]
    assert row["status"] == "dropped" and row["sent_at"] is None
    assert mailserver.messages == []
    dropped = [r.getMessage() for r in caplog.records if "brief dropped" in r.getMessage()]
    assert len(dropped) == 1 and f"workspace_id={alice.workspace.id}" in dropped[0]
    status = subprocess.run(
        [sys.executable, "-m", "app", "brief-status", "--week", "2026-W48"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.returncode == 0, status.stderr
    assert "week 2026-W48" in status.stdout
    assert re.search(r"dropped\s+1\b", status.stdout) and re.search(r"sent\s+0\b", status.stdout)
    assert f"dropped: workspace {alice.workspace.id} user {alice.user.id} attempts 1 last error: " in status.stdout
    assert "451" in status.stdout


async def test_each_brief_has_a_text_and_an_html_part_and_the_one_click_unsubscribe_headers(alice, client, mailserver):
    sweep_at(local("UTC"))

    [message] = mailserver.messages
    types = [part.get_content_type() for part in message.walk()]
    assert "text/plain" in types and "text/html" in types
    assert message["List-Unsubscribe"].startswith("<" + get_settings().base_url.rstrip("/"))
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # What a mail client's Unsubscribe button does (RFC 8058): a POST with no cookie and no CSRF token.
    response = await client.post(unsubscribe_path(message), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    mailserver.messages.clear()
    await BriefDelivery.delete(force=True)
    sweep_at(local("UTC", hour=9))
    assert mailserver.messages == []


async def test_without_smtp_the_outbox_is_the_delivery(alice, monkeypatch):
    monkeypatch.delenv("SMTP_URL", raising=False)
    get_settings.cache_clear()
    try:
        sweep_at(local("UTC"))
        sweep_at(local("UTC", hour=9))
    finally:
        get_settings.cache_clear()

    row = (await deliveries())[(alice.workspace.id, alice.user.id)]
    assert row["status"] == "sent"
    [email] = await OutboxMessage.select().where(OutboxMessage.kind == "brief")
    assert email["id"] == row["outbox_id"] and email["to_address"] == alice.user.email


def test_the_sweep_is_scheduled_every_five_minutes() -> None:
    monday = local("UTC").replace(tzinfo=None)  # huey's scheduler hands periodic tasks naive times

    runs = [minute for minute in range(60) if send_due_briefs.s().validate_datetime(monday.replace(minute=minute))]

    assert runs == list(range(0, 60, 5))
