"""The Monday Brief's subject line after the week: overdue count, MRR in whole units, and its change over the week."""

from datetime import UTC, datetime
from decimal import Decimal

from app.brief.compose import headline
from app.brief.content import BriefContent, Change, OverdueAlert, percent_change

NOW = datetime(2026, 11, 23, 8, tzinfo=UTC)


def _content(**fields) -> BriefContent:
    base = {
        "workspace_name": "Acme <Agency>",
        "currency": "usd",
        "timezone": "UTC",
        "now": NOW,
        "week": 48,
        "connected": True,
        "dashboard_url": "",
        "integrations_url": "",
        "settings_url": "",
    }
    return BriefContent(**{**base, **fields})


def _alert() -> OverdueAlert:
    return OverdueAlert("A", "", 100, 1, 3, NOW.date(), False, "Invoice 3 days overdue")


def test_the_headline_counts_overdue_clients_and_gives_mrr_with_the_week_s_change():
    content = _content(overdue=(_alert(),) * 3, mrr=4_821_049, week_change=Change(4_721_900, 4_821_049))

    assert headline(content) == "3 overdue, MRR $48,210 (+2.1%)"


def test_without_mrr_a_week_ago_the_headline_gives_no_percentage():
    assert headline(_content(mrr=25_000, week_change=Change(0, 25_000))) == "0 overdue, MRR $250"


def test_a_workspace_without_stripe_is_invited_to_connect():
    assert headline(_content(connected=False)) == "connect Stripe to start your Monday Brief for Acme <Agency>"


def test_changes_are_rounded_half_up_to_one_decimal():
    assert percent_change(1000, 1021) == Decimal("2.1")
    assert percent_change(2000, 2001) == Decimal("0.1")  # 0.05 rounds up
    assert percent_change(1000, 695) == Decimal("-30.5")
    assert percent_change(0, 100) is None
