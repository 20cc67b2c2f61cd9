"""Overdue as agencies bill: sent invoices past their due date, automatic payments that failed, and the badge's words.

Invoices are built as Stripe sends them in the pinned API version: a charge_automatically invoice has no due_date.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.stripe_data.insights import client_insights
from app.stripe_data.matching import rematch
from app.stripe_data.overdue import Lateness, lateness
from tests import factories as f

UTC = UTC
NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


def test_a_sent_invoice_says_how_many_days_it_is_overdue():
    assert Lateness(failed_payment=False, days=1).text == "Invoice 1 day overdue"
    assert Lateness(failed_payment=False, days=12).text == "Invoice 12 days overdue"


def test_a_failed_payment_says_when_it_failed_and_when_stripe_retries():
    assert Lateness(failed_payment=True, days=0).text == "Payment failed today"
    assert Lateness(failed_payment=True, days=1).text == "Payment failed 1 day ago"
    retry = datetime(2026, 5, 23, tzinfo=UTC).date()
    assert Lateness(failed_payment=True, days=4, retry_on=retry).text == (
        "Payment failed 4 days ago, retrying on 23 May 2026"
    )
    assert Lateness(failed_payment=True, days=0, retry_on=retry).text == "Payment failed today, retrying on 23 May 2026"


def test_a_failed_payment_counts_calendar_days_from_finalization_in_the_workspace_time_zone():
    finalized = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # 10 March in London; already 11 March in Tokyo
    just_after_midnight_london = datetime(2026, 3, 11, 0, 5, tzinfo=UTC)
    in_zone = {
        tz: lateness("charge_automatically", finalized, None, tz, just_after_midnight_london).text
        for tz in ("Europe/London", "Asia/Tokyo", "America/Los_Angeles")
    }
    assert in_zone == {
        "Europe/London": "Payment failed 1 day ago",
        "Asia/Tokyo": "Payment failed today",
        "America/Los_Angeles": "Payment failed today",
    }


def test_the_retry_date_is_the_day_in_the_workspace_time_zone_and_a_past_retry_is_not_announced():
    finalized, retry = NOW - timedelta(days=3), datetime(2026, 5, 23, 20, 0, tzinfo=UTC)
    assert lateness("charge_automatically", finalized, retry, "UTC", NOW).text == (
        "Payment failed 3 days ago, retrying on 23 May 2026"
    )
    assert lateness("charge_automatically", finalized, retry, "Asia/Tokyo", NOW).text == (
        "Payment failed 3 days ago, retrying on 24 May 2026"
    )  # 05:00 on 24 May there
    stale = NOW - timedelta(hours=1)  # the retry already happened; the sync has not seen its outcome yet
    assert lateness("charge_automatically", finalized, stale, "UTC", NOW).text == "Payment failed 3 days ago"


def test_a_sent_invoice_is_judged_by_its_due_date_alone():
    assert lateness("send_invoice", NOW - timedelta(days=12), NOW + timedelta(days=1), "UTC", NOW) == Lateness(
        failed_payment=False, days=12
    )


async def _acme(alice):
    ws = alice.workspace.id
    acme = await f.client(ws, "Acme", emails=("ops@acme.com",))
    return acme, await f.customer(ws, email="ops@acme.com")


async def _insight(alice, client_id: int, tz: str = "UTC", now: datetime = NOW, **kwargs):
    await rematch(alice.workspace.id, f.ACCOUNT)
    return (await client_insights(alice.workspace.id, tz, "usd", now=now, **kwargs)).get(client_id)


async def test_an_automatic_invoice_whose_payment_failed_is_overdue_without_a_due_date(alice):
    acme, cust = await _acme(alice)
    await f.invoice(
        cust,
        status="open",
        total=25_000,
        created=NOW - timedelta(days=6, hours=1),
        attempt_count=2,
        next_payment_attempt=NOW + timedelta(days=2),
    )
    got = await _insight(alice, acme.id)
    assert got.overdue and (got.days_overdue, got.overdue_count, got.overdue_amount) == (6, 1, 25_000)
    assert got.lateness.text == "Payment failed 6 days ago, retrying on 22 May 2026"


async def test_an_automatic_invoice_not_yet_attempted_is_not_overdue(alice):
    acme, cust = await _acme(alice)
    # Finalized this morning; Stripe charges about an hour later, and in older data long-gone attempts stay at 0.
    await f.invoice(cust, status="open", total=25_000, created=NOW - timedelta(hours=2), attempt_count=0)
    await f.invoice(cust, status="open", total=1_000, created=NOW - timedelta(days=40), attempt_count=0)
    got = await _insight(alice, acme.id)
    assert not got.overdue and (got.overdue_count, got.overdue_amount, got.open_balance) == (0, 0, 26_000)


async def test_a_payment_that_failed_today_shows_at_zero_days(alice):
    acme, cust = await _acme(alice)
    await f.invoice(cust, status="open", total=9_000, created=NOW - timedelta(hours=3), attempt_count=1)
    got = await _insight(alice, acme.id)
    assert got.overdue and got.days_overdue == 0 and got.lateness.text == "Payment failed today"


async def test_paid_void_uncollectible_draft_and_settled_invoices_never_count_whatever_their_attempts(alice):
    acme, cust = await _acme(alice)
    long_ago = NOW - timedelta(days=50)
    for status in ("paid", "void", "uncollectible", "draft"):
        await f.invoice(cust, status=status, created=long_ago, attempt_count=4, amount_remaining=5_000)
        await f.invoice(cust, status=status, created=long_ago, due_date=long_ago, amount_remaining=5_000)
    await f.invoice(cust, status="open", created=long_ago, attempt_count=4, amount_remaining=0)
    await f.invoice(cust, status="open", created=long_ago, due_date=long_ago, amount_remaining=0)
    got = await _insight(alice, acme.id)
    assert not got.overdue and (got.overdue_count, got.overdue_amount, got.lateness) == (0, 0, None)


async def test_a_sent_invoice_due_later_today_is_not_overdue_but_one_due_yesterday_is(alice):
    acme, cust = await _acme(alice)
    await f.invoice(cust, status="open", total=1_000, due_date=NOW + timedelta(hours=3))
    assert not (await _insight(alice, acme.id)).overdue
    await f.invoice(cust, status="open", total=2_000, due_date=NOW - timedelta(days=1))
    got = await _insight(alice, acme.id)
    assert (got.lateness.text, got.overdue_count, got.overdue_amount) == ("Invoice 1 day overdue", 1, 2_000)


async def test_an_automatic_invoice_is_judged_by_its_attempts_never_by_a_due_date(alice):
    acme, cust = await _acme(alice)
    # Older API versions could carry a due date on an automatic invoice; until a payment fails it is not late.
    await f.invoice(cust, status="open", collection_method="charge_automatically", due_date=NOW - timedelta(days=9))
    assert not (await _insight(alice, acme.id)).overdue


async def test_a_failure_at_midnight_counts_in_the_workspace_time_zone(alice):
    acme, cust = await _acme(alice)
    finalized = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    await f.invoice(
        cust, status="open", created=finalized - timedelta(hours=1), finalized_at=finalized, attempt_count=1
    )
    now = datetime(2026, 3, 11, 0, 5, tzinfo=UTC)
    assert (await _insight(alice, acme.id, "Europe/London", now)).lateness.text == "Payment failed 1 day ago"
    assert (await _insight(alice, acme.id, "Asia/Tokyo", now)).lateness.text == "Payment failed today"
    assert (await _insight(alice, acme.id, "America/New_York", now)).lateness.text == "Payment failed today"


async def test_the_badge_describes_the_oldest_overdue_invoice_and_the_totals_cover_both_kinds(alice):
    acme, cust = await _acme(alice)
    # Retries exhausted on March's retainer (no next attempt); April's is still retrying; a sent invoice in between.
    await f.invoice(cust, status="open", total=30_000, created=NOW - timedelta(days=20, hours=1), attempt_count=4)
    await f.invoice(cust, status="open", total=12_000, due_date=NOW - timedelta(days=8))
    await f.invoice(
        cust,
        status="open",
        total=30_000,
        created=NOW - timedelta(days=3, hours=1),
        attempt_count=1,
        next_payment_attempt=NOW + timedelta(days=2),
    )
    got = await _insight(alice, acme.id)
    assert (got.lateness.text, got.days_overdue) == ("Payment failed 20 days ago", 20)
    assert (got.overdue_count, got.overdue_amount, got.open_balance) == (3, 72_000, 72_000)


async def test_a_sent_invoice_older_than_the_failed_payment_gives_the_badge(alice):
    acme, cust = await _acme(alice)
    await f.invoice(
        cust,
        status="open",
        total=30_000,
        created=NOW - timedelta(days=5, hours=1),
        attempt_count=1,
        next_payment_attempt=NOW + timedelta(days=1),
    )
    await f.invoice(cust, status="open", total=12_000, currency="eur", due_date=NOW - timedelta(days=31))
    got = await _insight(alice, acme.id)
    assert (got.lateness.text, got.overdue_count) == ("Invoice 31 days overdue", 2)


async def test_each_client_of_a_page_gets_its_own_oldest_overdue_invoice(alice):
    ws = alice.workspace.id
    acme, acme_cust = await _acme(alice)
    globex = await f.client(ws, "Globex", emails=("ap@globex.com",))
    globex_cust = await f.customer(ws, email="ap@globex.com")
    await f.invoice(acme_cust, status="open", created=NOW - timedelta(days=2, hours=1), attempt_count=1)
    await f.invoice(globex_cust, status="open", due_date=NOW - timedelta(days=40))
    await rematch(ws, f.ACCOUNT)
    both = await client_insights(ws, "UTC", "usd", now=NOW)
    assert (both[acme.id].lateness.text, both[globex.id].lateness.text) == (
        "Payment failed 2 days ago",
        "Invoice 40 days overdue",
    )
    only_globex = await client_insights(ws, "UTC", "usd", client_ids=[globex.id], now=NOW)
    assert set(only_globex) == {globex.id} and only_globex[globex.id].days_overdue == 40


async def test_overdue_never_mixes_workspaces(alice, charlie):
    acme, cust = await _acme(alice)
    await f.invoice(cust, status="paid")
    await f.client(charlie.workspace.id, "Acme", emails=("ops@acme.com",))
    theirs = await f.customer(charlie.workspace.id, email="ops@acme.com", stripe_id=cust.stripe_id)
    await f.invoice(theirs, status="open", created=NOW - timedelta(days=9), attempt_count=3)
    await rematch(charlie.workspace.id, f.ACCOUNT)
    got = await _insight(alice, acme.id)
    assert not got.overdue and got.overdue_count == 0
