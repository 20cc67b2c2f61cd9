"""Settings → Monday Brief: this week's brief as the signed-in person would receive it, their own switch (as a page
and as an HTMX fragment), Send it to me now into the outbox, and the recipient list for owners only."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import time_machine

from app.brief.recipients import is_opted_in, set_opt_in
from app.core.tables import OutboxMessage
from tests import factories as f
from tests.conftest import Persona, login, post_form
from tests.integration.test_brief_content import HOSTILE_CLIENT, NOW, _agency

PAGE = "/dashboard/settings/brief"
TOGGLE = f"{PAGE}/subscription"
SEND = f"{PAGE}/send"


def _srcdoc(page: str) -> str:
    found = re.search(r'<iframe[^>]*srcdoc="([^"]*)"[^>]*data-testid="brief-html"', page)
    assert found, "the page shows the brief's HTML in a sandboxed frame"
    return html.unescape(found.group(1))


async def _connected(persona: Persona) -> None:
    with time_machine.travel(NOW, tick=False):
        await _agency(persona.workspace.id)
        await f.finished_sync(persona.workspace.id, finished_at=NOW)


async def test_the_page_shows_this_week_s_brief_as_the_person_would_receive_it(client, alice):
    await _connected(alice)
    await login(client, alice)
    with time_machine.travel(NOW, tick=False):
        response = await client.get(PAGE)

    assert response.status_code == 200
    page = response.text
    assert '<strong data-testid="brief-subject">Week 48: 2 overdue, MRR $910 (-30.5%)</strong>' in page
    assert re.search(r"<iframe[^>]*\bsandbox\b", page)
    brief = _srcdoc(page)
    assert brief.count('data-testid="brief-overdue-item"') == 2
    assert "Late &lt;b&gt;Co&lt;/b&gt;&lt;script&gt;" in brief and "<script" not in brief
    # Autoescaped twice over: the brief's own escaping, then the attribute's. No tag of it reaches the page.
    assert HOSTILE_CLIENT not in page and "<script>alert(1)" not in page
    assert (
        "Stop these emails for Alice Agency" in brief
        and 'href="http://127.0.0.1:8000/dashboard/settings/brief"' in (brief)
    )
    assert 'data-testid="settings-brief-tab" aria-current="page"' in page
    assert "style-src 'self' 'unsafe-inline'" in response.headers["content-security-policy"]
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_a_teammate_without_stripe_is_told_there_is_no_brief_yet(client, alice, bob):
    await login(client, bob)
    page = (await client.get(PAGE)).text

    assert 'data-testid="brief-none"' in page and 'data-testid="brief-html"' not in page


async def test_the_switch_turns_the_person_s_own_brief_off_and_on_as_a_page(client, alice, bob):
    await login(client, bob)

    off = await post_form(client, TOGGLE, {"opted_in": "0"}, follow_redirects=False)
    assert off.status_code == 303 and off.headers["location"] == PAGE
    assert not await is_opted_in(alice.workspace.id, bob.user.id)
    assert await is_opted_in(alice.workspace.id, alice.user.id)  # only their own
    page = (await client.get(PAGE)).text
    assert "Your Monday Brief for Alice Agency is off." in page and 'data-opted-in="false"' in page

    on = await post_form(client, TOGGLE, {"opted_in": "1"}, follow_redirects=False)
    assert on.status_code == 303 and await is_opted_in(alice.workspace.id, bob.user.id)


async def test_the_switch_answers_htmx_with_its_fragment(client, alice):
    await login(client, alice)

    response = await post_form(client, TOGGLE, {"opted_in": "0"}, htmx=True)

    assert response.status_code == 200 and response.headers["vary"] == "HX-Request"
    assert response.text.lstrip().startswith('<section class="panel" id="brief-subscription"')
    assert "<html" not in response.text and 'data-opted-in="false"' in response.text
    assert f'data-email="{alice.user.email}" data-opted-in="false"' in response.text
    assert not await is_opted_in(alice.workspace.id, alice.user.id)


async def test_send_it_to_me_now_puts_this_week_s_brief_in_the_outbox(client, alice, bob):
    await _connected(alice)
    await login(client, bob)
    with time_machine.travel(NOW, tick=False):
        response = await post_form(client, SEND, htmx=True)

    assert response.status_code == 200 and 'data-testid="brief-sent"' in response.text
    assert f"on its way to {bob.user.email}" in response.text and "<html" not in response.text
    rows = await OutboxMessage.objects().where(OutboxMessage.kind == "brief")
    assert [(row.to_address, row.subject, row.workspace_id) for row in rows] == [
        (bob.user.email, "Week 48: 2 overdue, MRR $910 (-30.5%)", alice.workspace.id)
    ]
    assert "'s invoice is 12 days overdue" in rows[0].text_body and 'role="presentation"' in rows[0].html_body


async def test_send_it_to_me_now_as_a_plain_form_redirects_with_a_confirmation(client, alice):
    await login(client, alice)

    response = await post_form(client, SEND, follow_redirects=False)

    assert response.status_code == 303 and response.headers["location"] == PAGE
    assert "This week&#39;s brief is on its way to alice@alice-agency.com." in (await client.get(PAGE)).text
    assert await OutboxMessage.count().where(OutboxMessage.to_address == alice.user.email) == 1


async def test_a_teammate_without_stripe_has_nothing_sent(client, alice, bob):
    await login(client, bob)

    response = await post_form(client, SEND, htmx=True)

    assert 'data-testid="brief-nothing-to-send"' in response.text
    assert await OutboxMessage.count() == 0


async def test_an_owner_sees_who_receives_it_and_a_teammate_does_not(client, alice, bob):
    await set_opt_in(alice.workspace.id, bob.user.id, False)
    await login(client, alice)
    owner_page = (await client.get(PAGE)).text
    await login(client, bob)
    teammate_page = (await client.get(PAGE)).text

    rows = re.findall(r'data-testid="brief-recipient" data-email="([^"]+)" data-opted-in="(\w+)"', owner_page)
    assert rows == [(alice.user.email, "true"), (bob.user.email, "false")]
    assert 'data-testid="brief-recipients"' not in teammate_page and alice.user.email not in teammate_page


async def test_another_workspace_s_brief_cannot_be_reached(client, alice, charlie):
    await _connected(alice)
    await login(client, charlie)
    with time_machine.travel(NOW, tick=False):
        page = (await client.get(PAGE)).text
        await post_form(client, TOGGLE, {"opted_in": "0"})
        await post_form(client, SEND)

    assert "Late &amp;lt;b&amp;gt;Co" not in page and "Alice Agency" not in page
    # His own workspace's brief: it has no Stripe, and as its owner he is invited to connect.
    assert 'data-testid="brief-subject">Week 48: connect Stripe to start your Monday Brief for Charlie Co<' in page
    assert await is_opted_in(alice.workspace.id, alice.user.id)
    outbox = await OutboxMessage.objects()
    assert [(row.to_address, row.workspace_id) for row in outbox] == [(charlie.user.email, charlie.workspace.id)]


async def test_the_preview_is_of_the_current_week(client, alice):
    monday = datetime(2027, 1, 4, 9, tzinfo=UTC)  # ISO week 1 of 2027
    with time_machine.travel(monday, tick=False):
        await login(client, alice)
        page = (await client.get(PAGE)).text

    assert 'data-testid="brief-subject">Week 1: connect Stripe' in page
