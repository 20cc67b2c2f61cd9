"""Revenue, MRR, open balance and overdue rules: time zones around midnight, refunds, void, currencies, no email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.core import fx
from app.stripe_data import insights
from app.stripe_data.insights import client_insights
from app.stripe_data.matching import rematch
from app.stripe_data.overdue import days_overdue
from app.summary import services as summary
from tests import factories as f

UTC = UTC


def test_days_overdue_counts_calendar_days_in_the_workspace_time_zone():
    due = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # 10 March in London; already 11 March in Tokyo
    just_after_midnight_london = datetime(2026, 3, 11, 0, 5, tzinfo=UTC)
    assert days_overdue(due, "Europe/London", just_after_midnight_london) == 1
    assert days_overdue(due, "Asia/Tokyo", just_after_midnight_london) == 0  # due and today are both 11 March there
    assert days_overdue(due, "America/Los_Angeles", just_after_midnight_london) == 0  # still 10 March: due today
    assert days_overdue(due, "America/Los_Angeles", datetime(2026, 3, 11, 8, 0, tzinfo=UTC)) == 1


def test_a_due_date_later_today_is_not_overdue():
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert days_overdue(now + timedelta(hours=3), "UTC", now) == 0
    assert days_overdue(now - timedelta(days=12), "UTC", now) == 12


def test_fx_converts_minor_units_with_decimals_and_rounds_once():
    assert fx.total_in({"eur": 10_000}, "usd") == (10_800, set())
    assert fx.total_in({"jpy": 1000}, "usd") == (660, set())  # ¥1,000 × 0.0066 = $6.60
    total, unknown = fx.total_in({"usd": 100, "gbp": 100, "xyz": 5}, "usd")
    assert total == 227 and unknown == {"XYZ"}, "a currency without a rate is reported, not guessed"
    assert isinstance(fx.USD_PER_UNIT["eur"], Decimal)


async def _matched(alice, **customer):
    ws = alice.workspace.id
    acme = await f.client(ws, "Acme", emails=("ops@acme.com",), domains=("acme.com",))
    cust = await f.customer(ws, email="ops@acme.com", **customer)
    return acme, cust


async def test_revenue_is_paid_charges_net_of_partial_refunds(alice):
    acme, cust = await _matched(alice)
    await f.charge(cust, amount=10_000, refunded=2_500)  # refund seen on the charge only
    ch = await f.charge(cust, amount=5_000)
    await f.refund(ch, 1_000)  # refund seen as a refund object only
    await f.charge(cust, amount=7_000, paid=False, status="failed")  # failed: never revenue
    await rematch(alice.workspace.id, f.ACCOUNT)
    got = (await client_insights(alice.workspace.id, "UTC", "usd"))[acme.id]
    assert got.lifetime_revenue == 7_500 + 4_000


async def test_revenue_in_several_currencies_is_converted_to_the_workspace_currency(alice):
    acme, cust = await _matched(alice)
    await f.charge(cust, amount=10_000, currency="usd")
    await f.charge(cust, amount=10_000, currency="eur")
    await rematch(alice.workspace.id, f.ACCOUNT)
    assert (await client_insights(alice.workspace.id, "UTC", "usd"))[acme.id].lifetime_revenue == 20_800
    assert (await client_insights(alice.workspace.id, "UTC", "eur"))[acme.id].lifetime_revenue == 19_259


async def test_overdue_is_the_oldest_open_unpaid_invoice_and_never_void_or_uncollectible(alice):
    acme, cust = await _matched(alice)
    now = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
    await f.invoice(cust, status="void", due_date=now - timedelta(days=40))
    await f.invoice(cust, status="uncollectible", due_date=now - timedelta(days=30))
    await f.invoice(cust, status="open", due_date=now - timedelta(days=12), total=5_000)
    await f.invoice(cust, status="open", due_date=now - timedelta(days=3), total=2_000, amount_remaining=1_500)
    await f.invoice(cust, status="open", due_date=now - timedelta(days=20), total=900, amount_remaining=0)
    await f.invoice(cust, status="open", due_date=now + timedelta(days=5), total=1_000)
    await rematch(alice.workspace.id, f.ACCOUNT)
    got = (await client_insights(alice.workspace.id, "UTC", "usd", now=now))[acme.id]
    assert (got.days_overdue, got.overdue_count, got.overdue_amount) == (12, 2, 6_500)
    assert got.open_balance == 7_500


async def test_overdue_days_depend_on_the_workspace_time_zone_around_midnight(alice):
    acme, cust = await _matched(alice)
    await f.invoice(cust, status="open", due_date=datetime(2026, 3, 10, 23, 30, tzinfo=UTC))
    await rematch(alice.workspace.id, f.ACCOUNT)
    now = datetime(2026, 3, 11, 0, 5, tzinfo=UTC)
    assert (await client_insights(alice.workspace.id, "Europe/London", "usd", now=now))[acme.id].days_overdue == 1
    assert (await client_insights(alice.workspace.id, "America/New_York", "usd", now=now))[acme.id].days_overdue == 0
    assert (await client_insights(alice.workspace.id, "Asia/Tokyo", "usd", now=now))[acme.id].days_overdue == 0


async def test_last_invoice_skips_drafts_and_voids(alice):
    acme, cust = await _matched(alice)
    old = datetime(2026, 1, 5, tzinfo=UTC)
    await f.invoice(cust, status="paid", created=old)
    await f.invoice(cust, status="void", created=old + timedelta(days=10))
    await f.invoice(cust, status="draft", created=old + timedelta(days=20))
    await rematch(alice.workspace.id, f.ACCOUNT)
    assert (await client_insights(alice.workspace.id, "UTC", "usd"))[acme.id].last_invoice_at == old


async def test_a_customer_with_no_email_counts_once_mapped_by_hand(alice):
    ws = alice.workspace.id
    acme = await f.client(ws, "Acme")
    anonymous = await f.customer(ws, email="", name="Walk-in")
    await f.charge(anonymous, amount=4_200)
    await rematch(ws, f.ACCOUNT)
    assert acme.id not in await client_insights(ws, "UTC", "usd")
    await f.manual_match(anonymous, acme.id)
    assert (await client_insights(ws, "UTC", "usd"))[acme.id].lifetime_revenue == 4_200


async def test_insights_never_mix_workspaces(alice, charlie):
    acme, cust = await _matched(alice)
    theirs = await f.client(charlie.workspace.id, "Acme", emails=("ops@acme.com",))
    other = await f.customer(charlie.workspace.id, email="ops@acme.com", stripe_id="cus_charlie_only")
    await f.charge(other, amount=99_999)
    await f.charge(cust, amount=100)
    await rematch(alice.workspace.id, f.ACCOUNT)
    await rematch(charlie.workspace.id, f.ACCOUNT)
    assert (await client_insights(alice.workspace.id, "UTC", "usd"))[acme.id].lifetime_revenue == 100
    assert (await client_insights(charlie.workspace.id, "UTC", "usd"))[theirs.id].lifetime_revenue == 99_999


async def test_the_summary_counts_invoices_and_matched_invoices_and_reappears_after_a_later_sync(alice):
    from app.integrations.tables import StripeConnection

    ws = alice.workspace.id
    await StripeConnection.insert(StripeConnection(workspace=ws, stripe_account_id=f.ACCOUNT, connected_at=f.utcnow()))
    _acme, cust = await _matched(alice)
    stranger = await f.customer(ws, email="x@elsewhere.io")
    await f.invoice(cust)
    await f.invoice(cust)
    await f.invoice(stranger)
    await rematch(ws, f.ACCOUNT)
    card = await summary.summary_card(ws)
    assert (card.invoices, card.matched_invoices, card.unmatched_customers, card.visible) == (3, 2, 1, True)
    await summary.dismiss_summary(ws, f.ACCOUNT)
    assert not (await summary.summary_card(ws)).visible
    await f.finished_sync(ws, finished_at=f.utcnow() + timedelta(seconds=5))
    assert (await summary.summary_card(ws)).visible


def test_stripe_dashboard_links_point_at_test_mode_unless_live():
    assert (
        insights.stripe_invoice_url("acct_1", "in_1", False) == "https://dashboard.stripe.com/acct_1/test/invoices/in_1"
    )
    assert insights.stripe_invoice_url("acct_1", "in_1", True) == "https://dashboard.stripe.com/acct_1/invoices/in_1"
