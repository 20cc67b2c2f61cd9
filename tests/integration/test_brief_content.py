"""What the Monday Brief says, from a workspace whose Stripe data is built like a sync leaves it: each section with the
services' own figures, overdue days counted in the workspace's time zone, hostile names as text in both parts, a
short brief when there is nothing to say, and an invitation to connect for owners only."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
import time_machine

from app.brief.compose import compose_brief
from app.brief.content import brief_content
from app.brief.links import PATHS
from app.core.formatting import money
from app.core.mail import build_message
from app.integrations.tables import StripeConnection
from app.revenue.dashboard import overview
from app.revenue.services import mrr_history
from app.stripe_data.tables import StripeCustomer, StripePartialObject, StripeSubscription, SyncRun
from app.workspaces.tables import Workspace
from tests import factories as f
from tests.conftest import Persona

NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # Monday of ISO week 48; 08:00 in Los Angeles
DAY = timedelta(days=1)
DUE = datetime(2026, 11, 11, 6, 0, tzinfo=UTC)  # 10 Nov in Los Angeles, 11 Nov in UTC and in Auckland
UNSUBSCRIBE = "https://app.test/brief/unsubscribe/signed-token"
HOSTILE_CLIENT = "Late <b>Co</b><script>alert(1)</script>"
HOSTILE_CUSTOMER = "<script>steal()</script> Evil <b>Corp</b>"
HOSTILE_DESCRIPTION = "<img src=x onerror=alert(2)> Described Ltd"
HOSTILE_STRIPE_ERROR = "403 '<script>partial()</script> No such line'"


async def _connect(workspace_id: int) -> None:
    await StripeConnection.insert(
        StripeConnection(
            workspace=workspace_id,
            stripe_account_id=f.ACCOUNT,
            account_name="Alice Agency Stripe",
            livemode=False,
            connected_at=NOW - 400 * DAY,
        )
    )


async def _subscription(customer, monthly: int, started: datetime, **fields) -> None:
    """A subscription as the sync stores it: one monthly item, valued from its stripe_object."""
    row = await f.subscription(customer, status=fields.get("status", "active"))
    item = {
        "quantity": 1,
        "price": {"id": f"price_{row.stripe_id}", "unit_amount": monthly, "recurring": {"interval": "month"}},
        "current_period_start": int(fields.pop("period_start", NOW - 10 * DAY).timestamp()),
        "current_period_end": int(fields.pop("period_end", NOW + 20 * DAY).timestamp()),
    }
    stripe_object = {
        "id": row.stripe_id,
        "status": "active",
        "currency": "usd",
        "start_date": int(started.timestamp()),
        "items": {"data": [item]},
        **{key: int(value.timestamp()) if isinstance(value, datetime) else value for key, value in fields.items()},
    }
    await StripeSubscription.update(
        {StripeSubscription.stripe_object: json.dumps(stripe_object), StripeSubscription.currency: "usd"}
    ).where(StripeSubscription.id == row.id)


async def _agency(workspace_id: int) -> dict[str, int]:
    """One client per section: late (sent invoice), failing (automatic payment), cancelling, growing, churned; and
    two Stripe customers no client is matched to, named only in Stripe."""
    await _connect(workspace_id)
    ids = {}
    late = await f.client(workspace_id, HOSTILE_CLIENT)
    cust = await f.customer(workspace_id, name="Late Co (Stripe)")
    await f.manual_match(cust, late.id)
    await f.invoice(cust, status="open", total=120_000, due_date=DUE, created=NOW - 40 * DAY)
    ids["late"] = late.id
    failing = await f.client(workspace_id, "Failing Ltd")
    cust = await f.customer(workspace_id, name="Failing Ltd")
    await f.manual_match(cust, failing.id)
    await f.invoice(cust, status="open", total=30_000, attempt_count=1, finalized_at=NOW - 3 * DAY)
    ids["failing"] = failing.id
    steady = await f.client(workspace_id, "Steady & Sons")
    cust = await f.customer(workspace_id, name="Steady")
    await f.manual_match(cust, steady.id)
    await _subscription(cust, 50_000, NOW - 300 * DAY, cancel_at_period_end=True, canceled_at=NOW - 2 * DAY)
    ids["steady"] = steady.id
    grower = await f.client(workspace_id, "Grower Inc")
    cust = await f.customer(workspace_id, name="Grower")
    await f.manual_match(cust, grower.id)
    await _subscription(cust, 10_000, NOW - 300 * DAY)
    await _subscription(cust, 20_000, NOW - 60 * DAY)
    ids["grower"] = grower.id
    gone = await f.client(workspace_id, "Gone Away")
    cust = await f.customer(workspace_id, name="Gone")
    await f.manual_match(cust, gone.id)
    await _subscription(
        cust, 40_000, NOW - 200 * DAY, status="canceled", ended_at=NOW - 4 * DAY, period_start=NOW - 4 * DAY
    )
    ids["gone"] = gone.id
    evil = await f.customer(workspace_id, name=HOSTILE_CUSTOMER)
    await _subscription(evil, 5_000, NOW - 300 * DAY, cancel_at=NOW + 9 * DAY, canceled_at=NOW - 1 * DAY)
    described = await f.customer(workspace_id, name="")
    await _subscription(described, 6_000, NOW - 300 * DAY, cancel_at=NOW + 5 * DAY, canceled_at=NOW - 1 * DAY)
    await StripeCustomer.update(
        {
            StripeCustomer.name: "",
            StripeCustomer.stripe_object: json.dumps({"id": described.stripe_id, "description": HOSTILE_DESCRIPTION}),
        }
    ).where(StripeCustomer.id == described.id)
    return ids


async def _sync_trouble(workspace_id: int) -> None:
    await f.finished_sync(workspace_id, finished_at=NOW - 2 * DAY)
    await SyncRun.insert(
        SyncRun(
            workspace=workspace_id,
            account_id=f.ACCOUNT,
            status="failed",
            error="Stripe refused the key <b>twice</b>: reconnect Stripe.",
            created_at=NOW - DAY,
        )
    )
    await StripePartialObject.insert(
        StripePartialObject(
            workspace=workspace_id,
            account_id=f.ACCOUNT,
            object_type="invoice",
            stripe_id="in_partial_1",
            what="lines",
            error=HOSTILE_STRIPE_ERROR,
            status_code=403,
            first_seen_at=NOW - DAY,
            last_tried_at=NOW - DAY,
        )
    )


@pytest.fixture(name="agency")
async def fx_agency(alice: Persona) -> dict[str, int]:
    with time_machine.travel(NOW, tick=False):
        ids = await _agency(alice.workspace.id)
        await _sync_trouble(alice.workspace.id)
    return ids


async def _brief(persona: Persona, now: datetime = NOW):
    with time_machine.travel(now, tick=False):
        return await compose_brief(persona.workspace.id, persona.user.id, now, unsubscribe_url=UNSUBSCRIBE)


def _client_url(client_id: int) -> str:
    return f"http://127.0.0.1:8000/dashboard/clients/{client_id}"


def test_the_brief_links_to_the_paths_the_app_routes_by_those_names(app):
    for name, path in PATHS.items():
        params = {"client_id": 7} if "{client_id}" in path else {}
        assert app.route_reverse(name, **params) == path.format(**params), name


async def test_the_overdue_alerts_name_the_client_amount_due_date_and_days_late(alice, agency):
    email = await _brief(alice)

    assert "Late <b>Co</b><script>alert(1)</script>'s invoice is 12 days overdue: $1,200.00, due 11 Nov 2026." in (
        email.text
    )
    assert "Failing Ltd's invoice is 3 days overdue: $300.00, payment failed (due 20 Nov 2026)." in email.text
    assert email.text.index("Late <b>Co</b>") < email.text.index("Failing Ltd's")  # most overdue first
    assert _client_url(agency["late"]) in email.text and _client_url(agency["failing"]) in email.text
    assert f'href="{_client_url(agency["late"])}"' in email.html
    assert email.html.count('data-testid="brief-overdue-item"') == 2
    assert 'data-days="12"' in email.html and 'data-days="3"' in email.html


async def test_overdue_days_are_counted_in_the_workspace_s_time_zone(alice, agency):
    seen = {}
    for tz in ("UTC", "America/Los_Angeles", "Pacific/Auckland"):
        await Workspace.update({Workspace.timezone: tz}).where(Workspace.id == alice.workspace.id)
        seen[tz] = (await _brief(alice)).text.split("OVERDUE (2)", 1)[1].split("\n")[1]

    # NOW is 23 Nov 16:00 UTC: 23 Nov 08:00 in Los Angeles, 24 Nov 05:00 in Auckland.
    assert "invoice is 12 days overdue: $1,200.00, due 11 Nov 2026." in seen["UTC"]
    assert "invoice is 13 days overdue: $1,200.00, due 10 Nov 2026." in seen["America/Los_Angeles"]
    assert "invoice is 13 days overdue: $1,200.00, due 11 Nov 2026." in seen["Pacific/Auckland"]


async def test_mrr_now_and_its_change_over_the_week_and_month_are_the_revenue_services_figures(alice, agency):
    with time_machine.travel(NOW, tick=False):
        view = await overview(alice.workspace.id, "UTC", "usd", now=NOW)
        week = await mrr_history(alice.workspace.id, NOW, count=0, earlier=NOW - 7 * DAY)
    email = await _brief(alice)

    assert view.mrr_now == 50_000 + 10_000 + 20_000 + 5_000 + 6_000
    assert week.earlier_total == view.mrr_now + 40_000  # the churned client still paid a week ago
    assert f"MRR now: {money(view.mrr_now)}" in email.text
    assert f"Over the last 7 days: {money(-40_000)} (-30.5%)" in email.text
    month = view.mrr_now - view.mrr_30_days_ago
    assert f"Over the last 30 days: {'+' if month >= 0 else ''}{money(month)}" in email.text
    assert re.search(rf'data-testid="brief-mrr-now"[^>]*>{re.escape(money(view.mrr_now))}</a>', email.html)
    trend = email.html.split('data-testid="brief-trend"', 1)[1].split("</table>", 1)[0]
    assert trend.count("<th") == 7 and "Now</th>" in trend and ">2026-10</th>" in trend
    assert re.findall(r"<td[^>]*>([^<]*)</td>", trend) == [money(v) for v in view.mrr.total[-7:]]


async def test_the_subject_names_the_week_overdue_count_and_mrr_with_its_weekly_change(alice, agency):
    email = await _brief(alice)

    assert email.subject == "Week 48: 2 overdue, MRR $910 (-30.5%)"


async def test_churn_cancelling_and_upsell_each_say_the_rule_that_fired(alice, agency):
    email = await _brief(alice)
    text = email.text

    churned = text.split("CHURNED THIS WEEK (1)", 1)[1].split("\n\n", 1)[0]
    assert "- Gone Away · Churned: Paid $400.00 a month 7 days ago; pays nothing now." in churned
    cancelling = text.split("QUIETLY CANCELLING (3)", 1)[1].split("\n\n", 1)[0]
    assert "- Steady & Sons · Set to cancel: Set to cancel on" in cancelling
    assert f"- {HOSTILE_CUSTOMER} (a Stripe customer not matched to a client yet) · Set to cancel" in cancelling
    assert f"- {HOSTILE_DESCRIPTION} (a Stripe customer" in cancelling
    assert "http://127.0.0.1:8000/dashboard/integrations/stripe/unmatched" in cancelling
    upsell = text.split("UPSELL OPPORTUNITIES (1)", 1)[1].split("\n\n", 1)[0]
    assert "- Grower Inc · Growing without an upgrade: MRR grew from $100.00 to $300.00 in 6 months" in upsell
    assert _client_url(agency["grower"]) in upsell and _client_url(agency["gone"]) in churned
    for section, count in (("churned", 1), ("cancelling", 3), ("upsell", 1)):
        assert email.html.count(f'data-testid="brief-{section}-item"') == count


async def test_sync_health_gives_the_last_successful_sync_the_error_and_partial_objects_with_what_to_do(alice, agency):
    await Workspace.update({Workspace.timezone: "America/Los_Angeles"}).where(Workspace.id == alice.workspace.id)
    email = await _brief(alice)
    sync = email.text.split("STRIPE SYNC", 1)[1]

    assert "Last successful sync of Alice Agency Stripe: 21 Nov 2026, 08:00." in sync
    assert "The last sync stopped: Stripe refused the key <b>twice</b>: reconnect Stripe." in sync
    assert "1 object could not be read completely" in sync
    assert f"- Invoice in_partial_1: Stripe answered {HOSTILE_STRIPE_ERROR} when reading its lines." in sync
    assert "We retry every" in sync and "http://127.0.0.1:8000/dashboard/integrations" in sync
    assert "&lt;b&gt;twice&lt;/b&gt;" in email.html and "<b>twice</b>" not in email.html


async def test_hostile_names_and_stripe_fields_are_text_in_the_html_and_verbatim_in_the_text(alice, agency):
    email = await _brief(alice)
    parsed = message_from_bytes(bytes(build_message(email)), policy=policy.default)
    html = parsed.get_body(("html",)).get_content()
    text = parsed.get_body(("plain",)).get_content()

    for hostile in (HOSTILE_CLIENT, HOSTILE_CUSTOMER, HOSTILE_DESCRIPTION, HOSTILE_STRIPE_ERROR):
        assert hostile in text
        assert hostile not in html
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "Late &lt;b&gt;Co&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;script&gt;steal()&lt;/script&gt; Evil &lt;b&gt;Corp&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt; Described Ltd" in html


async def test_the_html_is_tables_with_inlined_styles_and_no_stylesheet_or_script(alice, agency):
    email = await _brief(alice)

    assert "<style" not in email.html and "<script" not in email.html
    assert 'role="presentation"' in email.html
    overdue_cell = re.search(r'<td class="section" data-testid="brief-overdue"([^>]*)>', email.html)
    assert "padding: 12px 24px" in overdue_cell.group(1)


async def test_the_unsubscribe_link_is_in_both_parts(alice, agency):
    email = await _brief(alice)

    assert f"Stop these emails for Alice Agency: {UNSUBSCRIBE}" in email.text
    assert f'href="{UNSUBSCRIBE}"' in email.html and "Stop these emails for Alice Agency</a>" in email.html


async def test_a_workspace_with_nothing_to_say_gets_a_short_brief_that_says_so(alice):
    with time_machine.travel(NOW, tick=False):
        await _connect(alice.workspace.id)
        await f.finished_sync(alice.workspace.id, finished_at=NOW - DAY)
        steady = await f.client(alice.workspace.id, "Quiet Client")
        cust = await f.customer(alice.workspace.id, name="Quiet")
        await f.manual_match(cust, steady.id)
        await _subscription(cust, 25_000, NOW - 90 * DAY)
    email = await _brief(alice)

    assert email.subject == "Week 48: 0 overdue, MRR $250 (+0.0%)"
    assert "Nothing needs your attention this week" in email.text
    assert 'data-testid="brief-nothing"' in email.html
    for heading in ("OVERDUE", "CHURNED", "CANCELLING", "UPSELL", "STRIPE SYNC"):
        assert heading not in email.text
    assert len(email.text.splitlines()) < 15


async def test_without_stripe_the_owner_is_invited_to_connect_and_a_teammate_gets_nothing(alice, bob):
    owner = await _brief(alice)
    teammate = await _brief(bob)

    assert teammate is None
    assert owner.subject == "Week 48: connect Stripe to start your Monday Brief for Alice Agency"
    assert "Connect Stripe: http://127.0.0.1:8000/dashboard/integrations" in owner.text
    assert 'href="http://127.0.0.1:8000/dashboard/integrations"' in owner.html
    assert UNSUBSCRIBE in owner.text and UNSUBSCRIBE in owner.html


async def test_a_teammate_of_a_connected_workspace_gets_the_same_brief(alice, bob, agency):
    owner, teammate = await _brief(alice), await _brief(bob)

    assert teammate.to == bob.user.email and teammate.subject == owner.subject
    assert teammate.text == owner.text


async def test_someone_outside_the_workspace_gets_no_brief_of_it(alice, charlie, agency):
    with time_machine.travel(NOW, tick=False):
        assert await compose_brief(alice.workspace.id, charlie.user.id, NOW, unsubscribe_url=UNSUBSCRIBE) is None
        content = await brief_content(charlie.workspace, NOW)
    assert not content.connected and not content.overdue
